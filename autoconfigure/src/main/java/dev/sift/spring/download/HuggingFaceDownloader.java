package dev.sift.spring.download;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches model files named by {@code hf://owner/repo[@revision]/path/file.gguf} URIs from the
 * Hugging Face hub into a local cache, once.
 *
 * <p>Downloads go to a {@code .part} file and resume from where they stopped; the finished file is
 * checked against the size the server announced and, when the hub lists one (its {@code ETag} for
 * LFS files is the SHA-256), against the checksum before it is moved into place. Progress is logged
 * every 10%. {@code HF_TOKEN} from the environment is sent for gated repositories.
 */
public final class HuggingFaceDownloader {

    private static final Log log = LogFactory.getLog(HuggingFaceDownloader.class);
    private static final Pattern HF_URI = Pattern.compile("hf://([^/@]+)/([^/@]+)(?:@([^/]+))?/(.+)");
    private static final Pattern SHA256 = Pattern.compile("\"?([0-9a-f]{64})\"?");

    private final URI hub;
    private final Path cacheDir;
    private final boolean offline;
    private final HttpClient http;

    /**
     * @param hubUrl   base URL of the hub (https://huggingface.co, or a mirror)
     * @param cacheDir where downloaded files are kept
     * @param offline  whether downloads are forbidden (cached files only)
     */
    public HuggingFaceDownloader(String hubUrl, Path cacheDir, boolean offline) {
        this.hub = URI.create(hubUrl.endsWith("/") ? hubUrl : hubUrl + "/");
        this.cacheDir = cacheDir;
        this.offline = offline;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    /** A parsed {@code hf://} location. */
    public record HfLocation(String owner, String repo, String revision, String file) {

        /**
         * @throws IllegalArgumentException if {@code uri} is not {@code hf://owner/repo[@revision]/file}
         */
        public static HfLocation parse(String uri) {
            Matcher m = HF_URI.matcher(uri);
            if (!m.matches() || m.group(4).contains("..")) {
                throw new IllegalArgumentException("expected hf://owner/repo[@revision]/path/file.gguf, got " + uri);
            }
            return new HfLocation(m.group(1), m.group(2), m.group(3) == null ? "main" : m.group(3), m.group(4));
        }
    }

    /**
     * The local path of the file, downloading it first if it is not in the cache.
     *
     * @throws IOException if the download fails, is refused, or does not match the announced size or checksum
     */
    public Path fetch(String uri) throws IOException {
        HfLocation location = HfLocation.parse(uri);
        Path target = cacheDir.resolve(location.owner()).resolve(location.repo()).resolve(location.revision())
                .resolve(location.file());
        if (Files.isRegularFile(target)) {
            return target;
        }
        if (offline) {
            throw new IOException("offline mode: " + uri + " is not in the model cache (" + target
                    + "); download it once with offline mode off, or copy the file there");
        }
        Files.createDirectories(target.getParent());
        Path part = target.resolveSibling(target.getFileName() + ".part");
        URI source = hub.resolve(location.owner() + "/" + location.repo() + "/resolve/" + location.revision() + "/"
                + location.file());
        download(source, part);
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        log.info("Downloaded " + uri + " to " + target);
        return target;
    }

    private void download(URI source, Path part) throws IOException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        HttpRequest.Builder request = HttpRequest.newBuilder(source).GET();
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        String token = System.getenv("HF_TOKEN");
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + source, e);
        }
        int status = response.statusCode();
        boolean resumed = status == 206;
        if (status != 200 && !resumed) {
            response.body().close();
            throw new IOException("downloading " + source + " failed with HTTP " + status
                    + (status == 401 || status == 403 ? " (a gated repository? set HF_TOKEN)" : ""));
        }
        if (!resumed) {
            have = 0;
        }
        long total = totalSize(response, have);
        Optional<String> sha256 = response.headers().firstValue("X-Linked-ETag")
                .or(() -> response.headers().firstValue("ETag"))
                .map(SHA256::matcher).filter(Matcher::matches).map(m -> m.group(1));

        try (InputStream in = response.body();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE,
                     resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buffer = new byte[1 << 16];
            long written = have;
            int lastDecile = total > 0 ? (int) (10 * written / total) : 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                written += n;
                if (total > 0 && (int) (10 * written / total) > lastDecile) {
                    lastDecile = (int) (10 * written / total);
                    log.info(String.format("Downloading %s: %d%% (%d of %d MiB)", source.getPath(), lastDecile * 10,
                            written >> 20, total >> 20));
                }
            }
        }
        long size = Files.size(part);
        if (total > 0 && size != total) {
            throw new IOException("download of " + source + " is incomplete: " + size + " of " + total
                    + " bytes; it resumes from there on the next start");
        }
        if (sha256.isPresent()) {
            String actual = sha256(part);
            if (!actual.equals(sha256.get())) {
                Files.delete(part);
                throw new IOException("download of " + source + " is corrupt: SHA-256 " + actual + ", expected "
                        + sha256.get());
            }
        }
    }

    /** The full file size: from Content-Range when resuming, else Content-Length; -1 if unknown. */
    private static long totalSize(HttpResponse<?> response, long offset) {
        Optional<String> range = response.headers().firstValue("Content-Range");
        if (range.isPresent() && range.get().contains("/")) {
            String total = range.get().substring(range.get().indexOf('/') + 1).trim();
            return total.equals("*") ? -1 : Long.parseLong(total);
        }
        return response.headers().firstValueAsLong("Content-Length").stream().map(length -> length + offset)
                .findFirst().orElse(-1);
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
