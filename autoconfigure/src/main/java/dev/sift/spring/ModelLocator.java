package dev.sift.spring;

import dev.sift.spring.download.HuggingFaceDownloader;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.Resource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Turns {@code sift.model.path} / {@code sift.model.uri} into a local file the engine can map:
 * a path as is, {@code file:} URIs directly, {@code classpath:} resources extracted into the cache
 * directory (a file inside a jar cannot be memory-mapped), {@code hf://} URIs downloaded once.
 */
final class ModelLocator {

    static final String PATH = SiftProperties.PREFIX + ".model.path";
    static final String URI_PROPERTY = SiftProperties.PREFIX + ".model.uri";
    private static final String URI_FORMS = "hf://owner/repo/file.gguf, file:/path/model.gguf, classpath:path/model.gguf";

    private ModelLocator() {
    }

    /**
     * Checks that exactly one of path and uri is set and that a path names an existing file; does
     * not download anything.
     */
    static void validate(SiftProperties.Model model) {
        if (model.getPath() != null && model.getUri() != null) {
            throw new InvalidSiftPropertyException(PATH, model.getPath(),
                    "both sift.model.path and sift.model.uri are set (uri: " + model.getUri() + ")",
                    "one of them: a GGUF file path, or a URI of the form " + URI_FORMS);
        }
        if (model.getPath() == null && model.getUri() == null) {
            throw new InvalidSiftPropertyException(PATH, null, "no model is configured",
                    "a GGUF file path in sift.model.path, or sift.model.uri (" + URI_FORMS + ")");
        }
        if (model.getPath() != null && !Files.isRegularFile(Path.of(model.getPath()))) {
            throw new InvalidSiftPropertyException(PATH, model.getPath(), "no such file", "the path of an existing GGUF file");
        }
        if (model.getUri() != null) {
            String uri = model.getUri();
            if (uri.startsWith("hf://")) {
                try {
                    HuggingFaceDownloader.HfLocation.parse(uri);
                } catch (IllegalArgumentException e) {
                    throw new InvalidSiftPropertyException(URI_PROPERTY, uri, e.getMessage(), URI_FORMS);
                }
            } else if (uri.startsWith("file:")) {
                Path file = Path.of(URI.create(uri));
                if (!Files.isRegularFile(file)) {
                    throw new InvalidSiftPropertyException(URI_PROPERTY, uri, "no such file", "a URI of an existing file");
                }
            } else if (!uri.startsWith("classpath:")) {
                throw new InvalidSiftPropertyException(URI_PROPERTY, uri, "unknown URI scheme", URI_FORMS);
            }
        }
    }

    /** The local model file, downloading or extracting it first when needed; {@link #validate} has passed. */
    static Path locate(SiftProperties.Model model) {
        if (model.getPath() != null) {
            return Path.of(model.getPath());
        }
        String uri = model.getUri();
        try {
            if (uri.startsWith("file:")) {
                return Path.of(URI.create(uri));
            }
            if (uri.startsWith("classpath:")) {
                return extract(uri, model.getCacheDir());
            }
            return new HuggingFaceDownloader(model.getHubUrl(), model.getCacheDir(), model.isOffline()).fetch(uri);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot obtain the model " + uri + ": " + e.getMessage(), e);
        }
    }

    private static Path extract(String uri, Path cacheDir) throws IOException {
        Resource resource = new DefaultResourceLoader().getResource(uri);
        if (!resource.exists()) {
            throw new InvalidSiftPropertyException(URI_PROPERTY, uri, "no such classpath resource", URI_FORMS);
        }
        if (resource.isFile()) {
            return resource.getFile().toPath();
        }
        Path target = cacheDir.resolve("classpath").resolve(uri.substring("classpath:".length()).replaceFirst("^/+", ""));
        if (!Files.isRegularFile(target) || Files.size(target) != resource.contentLength()) {
            Files.createDirectories(target.getParent());
            Path part = target.resolveSibling(target.getFileName() + ".part");
            try (InputStream in = resource.getInputStream()) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return target;
    }
}
