package dev.sift.engine.model;

/**
 * A decoder-only transformer bound to a backend (CPU or GPU). Immutable and shared: any number of
 * sequences may run on it at the same time.
 */
public interface Decoder extends AutoCloseable {

    ModelConfig config();

    /** A new, empty sequence whose cache holds up to {@code capacity} tokens. */
    DecoderSequence newSequence(int capacity);

    /** A short description of where the math runs, e.g. {@code cpu (16 threads)}. */
    String backendName();

    /** Releases backend resources (threads, device memory). Sequences must not be used afterwards. */
    @Override
    void close();
}
