package dev.sift.engine.generation;

import dev.sift.engine.backend.Backend;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.KvPrecision;

import java.util.Objects;

/**
 * How a model is loaded.
 *
 * @param threads       worker threads for the math; 0 uses every available processor
 * @param contextLength default context of new sessions in tokens; 0 uses the length the model was
 *                      trained for. Cache memory grows with use, so a long context costs nothing until filled.
 * @param compression   KV-cache compression of requests that do not choose their own
 *                      ({@link GenerationRequest#compression()}); {@link CompressionOptions#NONE} by default
 * @param backend       where the math runs; {@link Backend#CPU} by default
 * @param kvPrecision   how the CPU backend stores its KV caches; {@link KvPrecision#F16} by default
 */
public record ModelOptions(int threads, int contextLength, CompressionOptions compression, Backend backend,
                           KvPrecision kvPrecision) {

    public static final ModelOptions DEFAULTS = new ModelOptions(0, 0);

    public ModelOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (all processors) or positive, got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be 0 (the model's) or positive, got " + contextLength);
        }
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(kvPrecision, "kvPrecision");
    }

    /** Options with a half-precision KV cache. */
    public ModelOptions(int threads, int contextLength, CompressionOptions compression, Backend backend) {
        this(threads, contextLength, compression, backend, KvPrecision.F16);
    }

    /** Options for the CPU with the full, half-precision KV cache. */
    public ModelOptions(int threads, int contextLength) {
        this(threads, contextLength, CompressionOptions.NONE, Backend.CPU);
    }

    public ModelOptions withThreads(int value) {
        return new ModelOptions(value, contextLength, compression, backend, kvPrecision);
    }

    public ModelOptions withContextLength(int value) {
        return new ModelOptions(threads, value, compression, backend, kvPrecision);
    }

    public ModelOptions withCompression(CompressionOptions value) {
        return new ModelOptions(threads, contextLength, value, backend, kvPrecision);
    }

    public ModelOptions withBackend(Backend value) {
        return new ModelOptions(threads, contextLength, compression, value, kvPrecision);
    }

    public ModelOptions withKvPrecision(KvPrecision value) {
        return new ModelOptions(threads, contextLength, compression, backend, value);
    }
}
