package dev.sift.engine.generation;

import java.nio.file.Path;

/**
 * A model's weights do not fit in the memory this machine has for them, found before the file is
 * mapped. On the CPU every token reads every weight, so weights that cannot all stay in memory are
 * read from disk again and again, orders of magnitude slower than from memory.
 */
public final class InsufficientMemoryException extends RuntimeException {

    private final long neededBytes;
    private final long availableBytes;

    public InsufficientMemoryException(Path file, long neededBytes, long availableBytes) {
        super(file.getFileName() + " needs " + neededBytes + " bytes (" + gibibytes(neededBytes)
                + ") of memory for its weights, but only " + availableBytes + " bytes (" + gibibytes(availableBytes)
                + ") are available beside the Java heap: use a smaller model or quantization (Q4_K_M), a smaller"
                + " -Xmx, or the CUDA backend");
        this.neededBytes = neededBytes;
        this.availableBytes = availableBytes;
    }

    /** Bytes of weights the model would map. */
    public long neededBytes() {
        return neededBytes;
    }

    /** Physical memory beside the Java heap's maximum. */
    public long availableBytes() {
        return availableBytes;
    }

    private static String gibibytes(long bytes) {
        return String.format("%.1f GiB", bytes / (double) (1L << 30));
    }
}
