package dev.sift.spring.download;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Downloads from a hub served on loopback. */
class HuggingFaceDownloaderTest {

    private static final String PATH = "/owner/repo/resolve/main/models/tiny.gguf";

    @TempDir
    Path cache;

    private final byte[] content = new byte[300_000];
    private final List<String> ranges = new ArrayList<>();
    private HttpServer server;
    private String etag;

    @BeforeEach
    void start() throws Exception {
        new Random(7).nextBytes(content);
        etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)) + "\"";
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void serve(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestURI().getPath().equals(PATH)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
        }
        String range = exchange.getRequestHeaders().getFirst("Range");
        ranges.add(range);
        int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
        exchange.getResponseHeaders().add("ETag", etag);
        if (from > 0) {
            exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        }
        exchange.sendResponseHeaders(from > 0 ? 206 : 200, content.length - from);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(content, from, content.length - from);
        }
    }

    private String hub() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    @Test
    void downloadsOnceIntoTheCacheAndVerifiesTheChecksum() throws IOException {
        HuggingFaceDownloader downloader = new HuggingFaceDownloader(hub(), cache, false);
        Path file = downloader.fetch("hf://owner/repo/models/tiny.gguf");
        assertThat(file).isEqualTo(cache.resolve("owner/repo/main/models/tiny.gguf"));
        assertThat(Files.readAllBytes(file)).isEqualTo(content);
        downloader.fetch("hf://owner/repo/models/tiny.gguf");
        assertThat(ranges).hasSize(1);
    }

    @Test
    void resumesAPartialDownload() throws IOException {
        Path part = cache.resolve("owner/repo/main/models/tiny.gguf.part");
        Files.createDirectories(part.getParent());
        Files.write(part, java.util.Arrays.copyOf(content, 100_000));
        Path file = new HuggingFaceDownloader(hub(), cache, false).fetch("hf://owner/repo/models/tiny.gguf");
        assertThat(ranges).containsExactly("bytes=100000-");
        assertThat(Files.readAllBytes(file)).isEqualTo(content);
        assertThat(part).doesNotExist();
    }

    @Test
    void aCorruptDownloadIsRejectedAndDiscarded() {
        etag = "\"" + "0".repeat(64) + "\"";
        assertThatThrownBy(() -> new HuggingFaceDownloader(hub(), cache, false).fetch("hf://owner/repo/models/tiny.gguf"))
                .hasMessageContaining("corrupt").hasMessageContaining("SHA-256");
        assertThat(cache.resolve("owner/repo/main/models/tiny.gguf")).doesNotExist();
        assertThat(cache.resolve("owner/repo/main/models/tiny.gguf.part")).doesNotExist();
    }

    @Test
    void offlineModeFailsClearlyWhenTheFileIsNotCached() {
        assertThatThrownBy(() -> new HuggingFaceDownloader(hub(), cache, true).fetch("hf://owner/repo/models/tiny.gguf"))
                .hasMessageContaining("offline mode").hasMessageContaining("hf://owner/repo/models/tiny.gguf");
        assertThat(ranges).isEmpty();
    }

    @Test
    void aMissingFileNamesTheHttpStatus() {
        assertThatThrownBy(() -> new HuggingFaceDownloader(hub(), cache, false).fetch("hf://owner/repo/other.gguf"))
                .hasMessageContaining("HTTP 404");
    }

    @Test
    void revisionsAreSeparateCacheEntries() {
        HuggingFaceDownloader.HfLocation location = HuggingFaceDownloader.HfLocation.parse("hf://o/r@v1.0/sub/f.gguf");
        assertThat(location).isEqualTo(new HuggingFaceDownloader.HfLocation("o", "r", "v1.0", "sub/f.gguf"));
        assertThatThrownBy(() -> HuggingFaceDownloader.HfLocation.parse("hf://o/r/../../etc/passwd"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
