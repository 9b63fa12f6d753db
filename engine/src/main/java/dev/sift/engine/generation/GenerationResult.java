package dev.sift.engine.generation;

import dev.sift.engine.kv.KvStats;

/**
 * The outcome of {@link Session#generate}.
 *
 * @param text         the generated text, without any stop sequence that ended it
 * @param tokens       the generated token ids, including a final stop token if one ended generation
 * @param finishReason why generation ended
 * @param usage        token counts
 * @param kv           what the session's KV cache holds now, and how compression got it there
 */
public record GenerationResult(String text, int[] tokens, FinishReason finishReason, Usage usage, KvStats kv) {

    public GenerationResult {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
