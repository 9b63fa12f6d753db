package dev.sift.engine.generation;

/**
 * The outcome of {@link Session#generate}.
 *
 * @param text         the generated text, without any stop sequence that ended it
 * @param tokens       the generated token ids, including a final stop token if one ended generation
 * @param finishReason why generation ended
 * @param usage        token counts
 */
public record GenerationResult(String text, int[] tokens, FinishReason finishReason, Usage usage) {

    public GenerationResult {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
