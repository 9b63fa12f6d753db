package dev.sift.engine.backend.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed PTX resources are what {@code scripts/build-ptx.sh} makes of the current kernel
 * sources, and they contain exactly the kernels the backend launches. Runs without a GPU.
 */
class PtxResourcesTest {

    private static final Pattern ENTRY = Pattern.compile("^\\.visible \\.entry (\\w+)\\(", Pattern.MULTILINE);
    private static final Pattern TARGET = Pattern.compile("^\\.target sm_(\\d+)", Pattern.MULTILINE);
    private static final Pattern VERSION = Pattern.compile("^\\.version \\d+\\.\\d+$", Pattern.MULTILINE);

    @Test
    void ptxIsBuiltFromTheCurrentSources() throws IOException {
        Map<String, String> recorded = new TreeMap<>();
        for (String line : resource("kernels.sha256").split("\n")) {
            String[] hashAndFile = line.split(" {2}");
            recorded.put(hashAndFile[1], hashAndFile[0]);
        }
        Map<String, String> current = new TreeMap<>();
        try (Stream<Path> files = Files.list(sources())) {
            for (Path file : files.filter(f -> f.toString().endsWith(".cu") || f.toString().endsWith(".cuh")).toList()) {
                current.put(file.getFileName().toString(), sha256WithoutCarriageReturns(Files.readAllBytes(file)));
            }
        }
        assertThat(current)
                .as("SHA-256 of engine/src/main/cuda/* against kernels.sha256: run scripts/build-ptx.sh after changing a kernel")
                .isEqualTo(recorded);
    }

    @Test
    void everyModuleHasExactlyTheKernelsTheBackendLaunches() throws IOException {
        try (Stream<Path> files = Files.list(sources())) {
            Set<String> cuFiles = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3)).collect(Collectors.toSet());
            assertThat(Kernel.modules()).containsExactlyInAnyOrderElementsOf(cuFiles);
        }
        for (String module : Kernel.modules()) {
            String ptx = resource(module + ".ptx");
            Set<String> expected = Arrays.stream(Kernel.values()).filter(k -> k.module().equals(module))
                    .map(Kernel::entry).collect(Collectors.toSet());
            assertThat(ENTRY.matcher(ptx).results().map(r -> r.group(1)).toList())
                    .as("entry points of %s.ptx", module)
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void ptxTargetsAVirtualArchitectureOldDriversAndGpusAccept() throws IOException {
        for (String module : Kernel.modules()) {
            String ptx = resource(module + ".ptx");
            assertThat(VERSION.matcher(ptx).find()).as("%s.ptx has a .version line", module).isTrue();
            Matcher target = TARGET.matcher(ptx);
            assertThat(target.find()).as("%s.ptx has a .target line", module).isTrue();
            assertThat(Integer.parseInt(target.group(1))).as("%s.ptx target", module).isLessThanOrEqualTo(80);
        }
    }

    @Test
    void moduleImageIsNulTerminatedText() throws IOException {
        byte[] image = Kernel.ptx("matvec");
        assertThat(image[image.length - 1]).isZero();
        assertThat(new String(image, 0, image.length - 1, StandardCharsets.US_ASCII)).isEqualTo(resource("matvec.ptx"));
    }

    /** The kernel sources: the module folder when run by Maven, the repository root on the GPU machine. */
    private static Path sources() {
        for (Path candidate : new Path[] {Path.of("src/main/cuda"), Path.of("engine/src/main/cuda")}) {
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("kernel sources not found from " + Path.of("").toAbsolutePath());
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Kernel.class.getResourceAsStream(Kernel.RESOURCE_FOLDER + name)) {
            assertThat(in).as("resource %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static String sha256WithoutCarriageReturns(byte[] bytes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte b : bytes) {
                if (b != '\r') {
                    digest.update(b);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
