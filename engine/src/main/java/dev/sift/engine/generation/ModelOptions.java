package dev.sift.engine.generation;

/**
 * How a model is loaded.
 *
 * @param threads       worker threads for the math; 0 uses every available processor
 * @param contextLength default context of new sessions in tokens; 0 uses the length the model was
 *                      trained for. Cache memory grows with use, so a long context costs nothing until filled.
 */
public record ModelOptions(int threads, int contextLength) {

    public static final ModelOptions DEFAULTS = new ModelOptions(0, 0);

    public ModelOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (all processors) or positive, got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be 0 (the model's) or positive, got " + contextLength);
        }
    }

    public ModelOptions withThreads(int value) {
        return new ModelOptions(value, contextLength);
    }

    public ModelOptions withContextLength(int value) {
        return new ModelOptions(threads, value);
    }
}
