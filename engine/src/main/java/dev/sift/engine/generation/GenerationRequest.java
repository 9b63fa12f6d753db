package dev.sift.engine.generation;

import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.sampling.SamplingOptions;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What to generate: a prompt (text or token ids), limits, stop conditions and sampling.
 * Build one with {@link #text(String)} or {@link #tokens(int...)} and the {@code with...} methods.
 *
 * @param prompt        prompt text, or {@code null} when {@code promptTokens} is given
 * @param promptTokens  prompt token ids, or {@code null} when {@code prompt} is given
 * @param addSpecial    add BOS (and EOS) as the vocabulary asks when tokenizing {@code prompt}
 * @param parseSpecial  recognise control-token text such as {@code <|eot_id|>} in {@code prompt}
 * @param maxTokens     the most tokens to generate; 0 means until the context is full
 * @param stopSequences generation stops when the text contains one; it is not part of the result
 * @param stopTokens    token ids that end generation, besides the vocabulary's end-of-generation tokens
 * @param sampling      how tokens are chosen
 * @param ignoreEndOfGeneration keep generating past the vocabulary's end-of-generation tokens (and BOS),
 *                      like llama.cpp's {@code --ignore-eos}; for benchmarks and evaluation
 * @param compression   KV-cache compression for this request; {@code null} uses the model's default
 *                      ({@link ModelOptions#compression()})
 */
public record GenerationRequest(String prompt, int[] promptTokens, boolean addSpecial, boolean parseSpecial,
                                int maxTokens, List<String> stopSequences, int[] stopTokens,
                                SamplingOptions sampling, boolean ignoreEndOfGeneration,
                                CompressionOptions compression) {

    public GenerationRequest {
        if ((prompt == null) == (promptTokens == null)) {
            throw new IllegalArgumentException("give either prompt text or prompt tokens");
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be 0 (no limit) or positive, got " + maxTokens);
        }
        promptTokens = promptTokens == null ? null : promptTokens.clone();
        stopSequences = List.copyOf(stopSequences);
        if (stopSequences.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop sequences must not be empty");
        }
        stopTokens = stopTokens.clone();
        Objects.requireNonNull(sampling, "sampling");
    }

    /** A request for a text prompt, with BOS added as the vocabulary asks and special-token text parsed. */
    public static GenerationRequest text(String prompt) {
        return new GenerationRequest(Objects.requireNonNull(prompt, "prompt"), null, true, true, 0, List.of(),
                new int[0], SamplingOptions.DEFAULTS, false, null);
    }

    /** A request for a prompt given as token ids, used as they are. */
    public static GenerationRequest tokens(int... promptTokens) {
        return new GenerationRequest(null, Objects.requireNonNull(promptTokens, "promptTokens"), false, false, 0,
                List.of(), new int[0], SamplingOptions.DEFAULTS, false, null);
    }

    @Override
    public int[] promptTokens() {
        return promptTokens == null ? null : promptTokens.clone();
    }

    @Override
    public int[] stopTokens() {
        return stopTokens.clone();
    }

    public GenerationRequest withMaxTokens(int value) {
        return new GenerationRequest(prompt, promptTokens, addSpecial, parseSpecial, value, stopSequences, stopTokens,
                sampling, ignoreEndOfGeneration, compression);
    }

    public GenerationRequest withStopSequences(List<String> value) {
        return new GenerationRequest(prompt, promptTokens, addSpecial, parseSpecial, maxTokens, value, stopTokens,
                sampling, ignoreEndOfGeneration, compression);
    }

    public GenerationRequest withStopTokens(int... value) {
        return new GenerationRequest(prompt, promptTokens, addSpecial, parseSpecial, maxTokens, stopSequences, value,
                sampling, ignoreEndOfGeneration, compression);
    }

    public GenerationRequest withSampling(SamplingOptions value) {
        return new GenerationRequest(prompt, promptTokens, addSpecial, parseSpecial, maxTokens, stopSequences, stopTokens,
                value, ignoreEndOfGeneration, compression);
    }

    /** Whether BOS/EOS are added and special-token text is parsed when tokenizing the prompt text. */
    public GenerationRequest withSpecialTokens(boolean add, boolean parse) {
        return new GenerationRequest(prompt, promptTokens, add, parse, maxTokens, stopSequences, stopTokens,
                sampling, ignoreEndOfGeneration, compression);
    }

    public GenerationRequest withIgnoreEndOfGeneration(boolean value) {
        return new GenerationRequest(prompt, promptTokens, addSpecial, parseSpecial, maxTokens, stopSequences, stopTokens,
                sampling, value, compression);
    }

    /** KV-cache compression for this request; {@code null} uses the model's default. */
    public GenerationRequest withCompression(CompressionOptions value) {
        return new GenerationRequest(prompt, promptTokens, addSpecial, parseSpecial, maxTokens, stopSequences, stopTokens,
                sampling, ignoreEndOfGeneration, value);
    }

    @Override
    public String toString() {
        return "GenerationRequest[" + (prompt != null ? "prompt=" + prompt.length() + " chars" : "tokens=" + promptTokens.length)
                + ", maxTokens=" + maxTokens + ", stop=" + stopSequences + ", stopTokens=" + Arrays.toString(stopTokens)
                + (ignoreEndOfGeneration ? ", ignoreEndOfGeneration" : "") + ", " + sampling
                + (compression != null ? ", compression=" + compression : "") + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationRequest r && Objects.equals(prompt, r.prompt)
                && Arrays.equals(promptTokens, r.promptTokens) && addSpecial == r.addSpecial
                && parseSpecial == r.parseSpecial && maxTokens == r.maxTokens
                && stopSequences.equals(r.stopSequences) && Arrays.equals(stopTokens, r.stopTokens)
                && sampling.equals(r.sampling) && ignoreEndOfGeneration == r.ignoreEndOfGeneration
                && Objects.equals(compression, r.compression);
    }

    @Override
    public int hashCode() {
        return Objects.hash(prompt, Arrays.hashCode(promptTokens), maxTokens, stopSequences, sampling, compression);
    }
}
