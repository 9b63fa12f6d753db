package dev.sift.engine.kv;

/**
 * StreamingLLM (Xiao et al., "Efficient Streaming Language Models with Attention Sinks", ICLR 2024):
 * keep the first tokens, which soak up attention whatever they say, and the most recent ones; drop
 * the middle. The score is the position, so the most recent candidates win: with the budget
 * {@code B}, each layer keeps the {@code sinks} first tokens and the last {@code B − sinks}.
 *
 * <p>As in kvpress's {@code StreamingLLMPress}, it runs when the framework compresses (after prefill
 * by default; every N decoded tokens to roll the cache like the original) and keys keep their
 * original RoPE positions rather than being re-rotated into cache slots.
 */
final class StreamingLlm implements CompressionMethod {

    @Override
    public float[][] scores(CompressionContext context) {
        float[][] scores = new float[context.kvHeads()][];
        for (int head = 0; head < scores.length; head++) {
            scores[head] = new float[context.candidates(head)];
            for (int entry = 0; entry < scores[head].length; entry++) {
                scores[head][entry] = context.position(head, entry);
            }
        }
        return scores;
    }
}
