package dev.sift.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only {@code shared/models} folder of test models that sits beside the checkout
 * (the repository is {@code X/main}, the models {@code X/shared/models}).
 *
 * <p>The folder is found by walking up from the working directory to the first
 * {@code shared/models} that holds {@code stories260K.gguf}; the system property
 * {@code sift.shared.models} overrides the search.
 */
public final class SharedModels {

    /** System property naming the models folder explicitly. */
    public static final String PROPERTY = "sift.shared.models";
    private static final String MARKER = "stories260K.gguf";

    private SharedModels() {
    }

    /**
     * The models folder.
     *
     * @throws IllegalStateException if it cannot be found
     */
    public static Path models() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path folder = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isDirectory(folder)) {
                throw new IllegalStateException("-D" + PROPERTY + "=" + configured + " is not a directory");
            }
            return folder;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("models");
            if (Files.isRegularFile(candidate.resolve(MARKER))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/models folder with " + MARKER + " above " + start
                + "; set -D" + PROPERTY + "=<folder>");
    }

    /** A file or folder inside the models folder, e.g. {@code model("vocab/ggml-vocab-phi-3.gguf")}. */
    public static Path model(String relative) {
        return models().resolve(relative);
    }
}
