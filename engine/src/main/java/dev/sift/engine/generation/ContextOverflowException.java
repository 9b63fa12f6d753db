package dev.sift.engine.generation;

/** The prompt does not fit in the session's context. */
public final class ContextOverflowException extends RuntimeException {

    private final int required;
    private final int contextLength;

    public ContextOverflowException(int required, int contextLength) {
        super("the prompt needs " + required + " tokens but the context holds " + contextLength
                + " (leave room for at least one generated token, or open the session with a larger context length)");
        this.required = required;
        this.contextLength = contextLength;
    }

    /** Tokens the prompt needs, including those already in the session. */
    public int required() {
        return required;
    }

    /** The session's context length. */
    public int contextLength() {
        return contextLength;
    }
}
