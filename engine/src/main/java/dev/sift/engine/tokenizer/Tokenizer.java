package dev.sift.engine.tokenizer;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;

/**
 * Text to token ids and back, as defined by the vocabulary embedded in a GGUF file.
 *
 * <p>Implementations are immutable and thread-safe. Token text is handled as bytes: a single token
 * may carry part of a UTF-8 character (byte-fallback tokens), so streamed output goes through a
 * {@link StreamDecoder}, which only ever emits whole characters.
 */
public interface Tokenizer {

    /** Number of tokens in the vocabulary; valid ids are {@code 0 .. size-1}. */
    int vocabularySize();

    /**
     * Encodes text.
     *
     * @param text         the text
     * @param addSpecial   add BOS/EOS as the vocabulary asks ({@code tokenizer.ggml.add_bos_token} /
     *                     {@code add_eos_token})
     * @param parseSpecial recognise control-token text such as {@code <s>} or {@code <|eot_id|>} in the
     *                     text and emit their ids; when false such text is tokenized as plain text
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The bytes a token contributes to decoded text. Control tokens (and the unknown token) contribute
     * nothing unless {@code renderSpecial} is true, in which case they contribute their text.
     *
     * @throws IllegalArgumentException if the id is outside the vocabulary
     */
    byte[] tokenBytes(int token, boolean renderSpecial);

    /** Decodes a whole sequence to text (control tokens omitted); see {@link #decode(int[], boolean)}. */
    default String decode(int[] tokens) {
        return decode(tokens, false);
    }

    /**
     * Decodes a whole sequence to text, as llama.cpp's {@code llama_detokenize}. Unlike a
     * {@link StreamDecoder}, an implementation may rework the whole text: SentencePiece drops the
     * leading space of the first token, so that {@code decode(encode(s))} gives back {@code s}; most
     * byte-level BPE vocabularies drop spaces before punctuation, as Hugging Face's
     * {@code clean_up_tokenization_spaces}.
     *
     * @param renderSpecial render control tokens as their text
     */
    default String decode(int[] tokens, boolean renderSpecial) {
        StreamDecoder decoder = new StreamDecoder(this, renderSpecial);
        StringBuilder text = new StringBuilder();
        for (int token : tokens) {
            text.append(decoder.next(token));
        }
        return text.append(decoder.flush()).toString();
    }

    /** The raw vocabulary entry for a token, e.g. {@code ▁the} or {@code <0x0A>}. */
    String tokenText(int token);

    /** Beginning-of-sequence id, or -1 if the vocabulary has none. */
    int bosId();

    /** End-of-sequence id, or -1 if the vocabulary has none. */
    int eosId();

    /**
     * Whether encoding puts a space in front of the text (SentencePiece's space prefix), so text that
     * starts a document decodes with one leading space to drop.
     */
    default boolean addsSpacePrefix() {
        return false;
    }

    /** Whether {@link #encode} with {@code addSpecial} prepends BOS. */
    boolean addsBos();

    /** Whether generation should stop after this token (EOS, end-of-turn and similar). */
    boolean isEndOfGeneration(int token);

    /** Whether this token is a control token (never rendered as text by default). */
    boolean isControl(int token);

    /**
     * Builds the tokenizer a GGUF file describes.
     *
     * @throws GgufFormatException if the tokenizer metadata is missing, inconsistent or of a kind this
     *                             engine does not support
     */
    static Tokenizer fromGguf(GgufFile file) {
        String model = file.string("tokenizer.ggml.model")
                .orElseThrow(() -> new GgufFormatException("metadata 'tokenizer.ggml.model' is missing: the file has no tokenizer"));
        return switch (model) {
            case "llama" -> SentencePieceTokenizer.fromGguf(file);
            case "gpt2" -> BpeTokenizer.fromGguf(file);
            default -> throw new GgufFormatException("tokenizer.ggml.model '" + model
                    + "' is not supported (supported: llama, gpt2)");
        };
    }
}
