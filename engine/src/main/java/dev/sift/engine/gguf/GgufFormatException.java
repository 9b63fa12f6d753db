package dev.sift.engine.gguf;

/**
 * A GGUF file is malformed or uses something this engine cannot read.
 *
 * <p>Every structural fault found while opening a file ends in this one exception type. The message
 * names the fault and, where it is tied to a place in the file, the byte offset ({@link #offset()}).
 * A model file is untrusted input: these checks run before anything is allocated or mapped from the
 * values the file declares.
 */
public final class GgufFormatException extends RuntimeException {

    /** Marker for a fault not tied to one byte offset (for example a missing metadata key). */
    public static final long NO_OFFSET = -1;

    private final long offset;

    public GgufFormatException(String message, long offset) {
        super(offset == NO_OFFSET ? message : message + " (at byte offset " + offset + ")");
        this.offset = offset;
    }

    public GgufFormatException(String message) {
        this(message, NO_OFFSET);
    }

    /** The byte offset in the file where the fault was found, or {@link #NO_OFFSET}. */
    public long offset() {
        return offset;
    }
}
