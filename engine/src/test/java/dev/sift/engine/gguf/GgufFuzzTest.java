package dev.sift.engine.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.sun.management.ThreadMXBean;
import dev.sift.engine.SharedModels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the GGUF reader: any byte image must open as a {@link GgufFile} whose metadata and tensor
 * data can be read, or fail with a {@link GgufFormatException}; any other exception or error fails,
 * and so does an allocation beyond a small multiple of the image's size.
 *
 * <p>In the normal test run Jazzer only replays the seed inputs under
 * {@code src/test/resources/dev/sift/engine/gguf/GgufFuzzTestInputs/} (generated files and an empty
 * one) and any findings kept there (regression mode). A finding is written as a {@code crash-*}
 * file; copy it into that Inputs folder so that every later normal run replays it once the fault is
 * fixed.
 *
 * <p><b>JDK 25 caveat</b> (see the surefire settings in {@code engine/pom.xml}). Jazzer 0.24.0 bundles
 * an ASM that cannot read class files of version 69 (Java 25), so it cannot instrument the engine:
 * regression mode works, but a {@code JAZZER_FUZZ=1} run is not coverage-guided (libFuzzer mutates
 * blind; a 30 s trial ran 4.2 M inputs with no failure but its corpus never grew past one byte).
 * Until Jazzer reads Java 25 classes, {@link #mutatedSeedsOnlyEverOpenOrFailAsFormatFaults} runs a
 * deterministic mutation loop over those seeds and the test model: 4,000 rounds in every build, and
 * a long run of any length from the repository root with
 *
 * <pre>{@code
 * ./mvnw -pl engine test -Dtest='GgufFuzzTest#mutated*' -Dsift.fuzz.rounds=1000000 [-Dsift.fuzz.seed=N]
 * }</pre>
 *
 * which prints the rounds run, how many opened, and the time taken.
 */
class GgufFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void anyImageOpensOrIsAFormatFault(byte[] image) {
        opens(MemorySegment.ofArray(image));
    }

    /** Whether the image opens (and reads through); false for a format fault, the only acceptable failure. */
    private static boolean opens(MemorySegment image) {
        try (GgufFile file = GgufFile.read(image)) {
            readEverything(file);
            return true;
        } catch (GgufFormatException expected) {
            return false;
        }
    }

    /** Rounds of the mutation loop: {@code -Dsift.fuzz.rounds=N} for a long run. */
    private static final int ROUNDS = Integer.getInteger("sift.fuzz.rounds", 4000);
    /** Seed of the mutation loop's random numbers: {@code -Dsift.fuzz.seed=N} explores other inputs. */
    private static final long RANDOM_SEED = Long.getLong("sift.fuzz.seed", 20_261_127);
    /** Bytes an image may cost to open beyond {@link #ALLOCATION_PER_BYTE} per byte of it. */
    private static final long ALLOCATION_ALLOWANCE = 1 << 20;
    /**
     * Heap bytes an image may cost to open per byte of it: the parsed metadata (strings, arrays, maps)
     * is a few times the bytes it was read from; anything sized by a declared count is far more.
     */
    private static final long ALLOCATION_PER_BYTE = 32;

    /** A seed image and where its tensor data starts: most mutations land before that, in the header. */
    private record Seed(String name, byte[] bytes, int header) {
    }

    /**
     * The fallback while Jazzer cannot instrument Java 25 classes: seeded random mutations (bit flips,
     * random bytes, extreme 32- and 64-bit values, inserted and deleted runs, truncation) of every seed,
     * each fed to the fuzz target, which must also allocate no more than a few times the image's size.
     */
    @Test
    void mutatedSeedsOnlyEverOpenOrFailAsFormatFaults() throws IOException, URISyntaxException {
        List<Seed> seeds = seeds();
        assertThat(seeds).hasSizeGreaterThanOrEqualTo(3);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        Random random = new Random(RANDOM_SEED);
        long[] extremes = {0, 1, -1, 0xFF, 1L << 31, 1L << 32, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};
        // One work buffer, reused: copying the test model into a fresh array every round would cost
        // more than parsing it.
        byte[] work = new byte[seeds.stream().mapToInt(seed -> seed.bytes().length).max().orElseThrow() + 4 * 16];
        ByteBuffer buffer = ByteBuffer.wrap(work).order(ByteOrder.LITTLE_ENDIAN);
        int opened = 0;
        long largestAllocation = 0;
        long start = System.nanoTime();
        for (int round = 0; round < ROUNDS; round++) {
            Seed seed = seeds.get(random.nextInt(seeds.size()));
            int length = seed.bytes().length;
            System.arraycopy(seed.bytes(), 0, work, 0, length);
            for (int m = 1 + random.nextInt(4); m > 0 && length >= 8; m--) {
                // Tensor data is opaque to the reader: seven mutations in eight hit the header.
                int span = random.nextInt(8) == 0 ? length : Math.min(length, seed.header());
                int at = random.nextInt(Math.max(1, span - 7));
                switch (random.nextInt(6)) {
                    case 0 -> work[at] ^= (byte) (1 << random.nextInt(8));
                    case 1 -> work[at] = (byte) random.nextInt(256);
                    case 2 -> buffer.putLong(at, extremes[random.nextInt(extremes.length)]);
                    case 3 -> buffer.putInt(at, random.nextInt(40));
                    case 4 -> {
                        // Inserts a run of random bytes.
                        int run = 1 + random.nextInt(16);
                        System.arraycopy(work, at, work, at + run, length - at);
                        for (int i = at; i < at + run; i++) {
                            work[i] = (byte) random.nextInt(256);
                        }
                        length += run;
                    }
                    default -> {
                        int cut = Math.min(1 + random.nextInt(16), length - at);
                        System.arraycopy(work, at + cut, work, at, length - at - cut);
                        length -= cut;
                    }
                }
            }
            if (random.nextInt(8) == 0) {
                length = random.nextInt(Math.min(length, seed.header() + 64) + 1);
            }
            MemorySegment image = MemorySegment.ofArray(work).asSlice(0, length);
            long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            try {
                opened += opens(image) ? 1 : 0;
            } catch (RuntimeException | Error e) {
                fail("round " + round + " (seed " + seed.name() + "): " + e + " for " + hex(work, length), e);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            largestAllocation = Math.max(largestAllocation, allocated);
            if (allocated > ALLOCATION_ALLOWANCE + ALLOCATION_PER_BYTE * length) {
                fail("round " + round + " (seed " + seed.name() + "): opening " + length + " bytes allocated "
                        + allocated + " bytes: " + hex(work, length));
            }
        }
        System.out.printf("GGUF fuzz: %,d rounds (random seed %d) over %d seeds in %.1f s, %,d opened, 0 failures,"
                        + " largest allocation %,d bytes%n", ROUNDS, RANDOM_SEED, seeds.size(),
                (System.nanoTime() - start) / 1e9, opened, largestAllocation);
        assertThat(opened).as("some damage is harmless, so some images must open").isPositive();
    }

    /** The image in hex, cut short for large ones (the round number and random seed reproduce it). */
    private static String hex(byte[] image, int length) {
        return HexFormat.of().formatHex(image, 0, Math.min(length, 4096)) + (length > 4096 ? "..." : "");
    }

    /** The non-empty files of the Inputs folder, and the test model. */
    private static List<Seed> seeds() throws IOException, URISyntaxException {
        Path folder = Path.of(GgufFuzzTest.class.getResource("GgufFuzzTestInputs").toURI());
        List<Path> files = new ArrayList<>();
        try (Stream<Path> listed = Files.list(folder)) {
            listed.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
        files.add(SharedModels.model("stories260K.gguf"));
        List<Seed> seeds = new ArrayList<>();
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length > 0) {
                try (GgufFile gguf = GgufFile.read(MemorySegment.ofArray(bytes))) {
                    seeds.add(new Seed(file.getFileName().toString(), bytes, Math.toIntExact(gguf.dataStart())));
                }
            }
        }
        return seeds;
    }

    /**
     * Reads every key through the getter its declared type calls for, and through one more chosen by
     * the key's name (so that across inputs every key meets every getter: a wrong type must be a format
     * fault), and touches every tensor's first and last byte.
     */
    private static void readEverything(GgufFile file) {
        List<Consumer<String>> getters = List.of(file::string, file::integer, file::real, file::bool,
                file::stringArray, file::floatArray, file::intArray);
        for (String key : file.metadata().keySet()) {
            for (Consumer<String> getter : List.of(reader(file, key),
                    getters.get(Math.floorMod(key.hashCode(), getters.size())))) {
                try {
                    getter.accept(key);
                } catch (GgufFormatException wrongType) {
                    // Acceptable.
                }
            }
        }
        for (GgufTensorInfo tensor : file.tensors()) {
            MemorySegment data = file.data(tensor);
            if (tensor.byteSize() > 0) {
                data.get(ValueLayout.JAVA_BYTE, 0);
                data.get(ValueLayout.JAVA_BYTE, tensor.byteSize() - 1);
            }
        }
    }

    /** The getter for a key's declared type. */
    private static Consumer<String> reader(GgufFile file, String key) {
        return switch (file.metadataType(key)) {
            case STRING -> file::string;
            case FLOAT32, FLOAT64 -> file::real;
            case BOOL -> file::bool;
            case ARRAY -> switch (((GgufArray) file.metadata().get(key)).elementType()) {
                case STRING -> file::stringArray;
                case FLOAT32 -> file::floatArray;
                default -> file::intArray;
            };
            default -> file::integer;
        };
    }
}
