package dev.sift.engine.sampling;

/**
 * How the next token is chosen from the logits. Applied in llama.cpp's order: penalties, top-k,
 * top-p, min-p, temperature, then a draw. A temperature of 0 (or below) means greedy decoding.
 *
 * @param temperature       divides the logits; {@code <= 0} picks the most likely token
 * @param topK              keep the {@code k} most likely tokens; {@code <= 0} keeps all
 * @param topP              keep the smallest set of most likely tokens whose probability reaches {@code p}; 1 disables
 * @param minP              drop tokens less likely than {@code minP} times the most likely one; 0 disables
 * @param repetitionPenalty divides positive (multiplies negative) logits of recently seen tokens; 1 disables
 * @param presencePenalty   subtracted once from the logit of every recently seen token
 * @param frequencyPenalty  subtracted from a recently seen token's logit for each time it was seen
 * @param penaltyLastN      how many recent tokens the penalties look at
 * @param seed              random seed; the same seed, prompt and options give the same text. {@code null}: random
 */
public record SamplingOptions(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                              float presencePenalty, float frequencyPenalty, int penaltyLastN, Long seed) {

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties. */
    public static final SamplingOptions DEFAULTS = new SamplingOptions(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, null);

    /** Always the most likely token. */
    public static final SamplingOptions GREEDY = DEFAULTS.withTemperature(0f);

    public SamplingOptions {
        check(Float.isFinite(temperature), "temperature", temperature);
        check(topP > 0 && topP <= 1, "topP (0 < p <= 1)", topP);
        check(minP >= 0 && minP <= 1, "minP (0 <= p <= 1)", minP);
        check(repetitionPenalty > 0 && Float.isFinite(repetitionPenalty), "repetitionPenalty (> 0)", repetitionPenalty);
        check(Float.isFinite(presencePenalty), "presencePenalty", presencePenalty);
        check(Float.isFinite(frequencyPenalty), "frequencyPenalty", frequencyPenalty);
        check(penaltyLastN >= 0, "penaltyLastN (>= 0)", penaltyLastN);
    }

    private static void check(boolean valid, String name, Object value) {
        if (!valid) {
            throw new IllegalArgumentException("invalid sampling option " + name + ": " + value);
        }
    }

    /** Whether decoding is greedy. */
    public boolean isGreedy() {
        return temperature <= 0;
    }

    public SamplingOptions withTemperature(float value) {
        return new SamplingOptions(value, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyLastN, seed);
    }

    public SamplingOptions withTopK(int value) {
        return new SamplingOptions(temperature, value, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyLastN, seed);
    }

    public SamplingOptions withTopP(float value) {
        return new SamplingOptions(temperature, topK, value, minP, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyLastN, seed);
    }

    public SamplingOptions withMinP(float value) {
        return new SamplingOptions(temperature, topK, topP, value, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyLastN, seed);
    }

    public SamplingOptions withRepetitionPenalty(float value) {
        return new SamplingOptions(temperature, topK, topP, minP, value, presencePenalty, frequencyPenalty, penaltyLastN, seed);
    }

    public SamplingOptions withPresencePenalty(float value) {
        return new SamplingOptions(temperature, topK, topP, minP, repetitionPenalty, value, frequencyPenalty, penaltyLastN, seed);
    }

    public SamplingOptions withFrequencyPenalty(float value) {
        return new SamplingOptions(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, value, penaltyLastN, seed);
    }

    public SamplingOptions withPenaltyLastN(int value) {
        return new SamplingOptions(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, value, seed);
    }

    public SamplingOptions withSeed(Long value) {
        return new SamplingOptions(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, penaltyLastN, value);
    }
}
