package dev.sift.engine.generation;

/** Why generation ended. */
public enum FinishReason {
    /** An end-of-generation token, a stop token id or a stop sequence was produced. */
    STOP,
    /** The token limit of the request, or the end of the context, was reached. */
    LENGTH,
    /** {@link Session#cancel()} was called. */
    CANCELLED
}
