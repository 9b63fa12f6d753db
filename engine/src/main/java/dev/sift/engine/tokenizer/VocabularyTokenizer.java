package dev.sift.engine.tokenizer;

import dev.sift.engine.gguf.GgufFormatException;

import java.nio.charset.StandardCharsets;
import java.util.stream.IntStream;

/**
 * What the tokenizers over a {@link Vocabulary} share, as llama.cpp's {@code llama_vocab} does for
 * all its models: BOS and EOS around the encoded text, special tokens split out of the text before
 * the model's own algorithm sees the plain runs between them, how each token type renders, and the
 * id checks.
 */
abstract sealed class VocabularyTokenizer implements Tokenizer permits SentencePieceTokenizer, BpeTokenizer {

    static final String ADD_BOS_KEY = "tokenizer.ggml.add_bos_token";
    static final String ADD_EOS_KEY = "tokenizer.ggml.add_eos_token";
    private static final byte[] NOTHING = new byte[0];

    final Vocabulary vocabulary;
    private final boolean addBos;
    private final boolean addEos;
    private final SpecialTokens specialTokens;

    /**
     * @throws GgufFormatException if BOS or EOS is to be added but the vocabulary has none
     */
    VocabularyTokenizer(Vocabulary vocabulary, boolean addBos, boolean addEos) {
        if (addBos && vocabulary.bos() < 0) {
            throw new GgufFormatException(ADD_BOS_KEY + " is true, but " + Vocabulary.BOS_KEY + " is not set");
        }
        if (addEos && vocabulary.eos() < 0) {
            throw new GgufFormatException(ADD_EOS_KEY + " is true, but " + Vocabulary.EOS_KEY + " is not set");
        }
        this.vocabulary = vocabulary;
        this.addBos = addBos;
        this.addEos = addEos;
        this.specialTokens = new SpecialTokens(vocabulary);
    }

    /** The token table behind this tokenizer. */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    @Override
    public int vocabularySize() {
        return vocabulary.size();
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntStream.Builder out = IntStream.builder();
        if (addSpecial && addBos) {
            out.add(vocabulary.bos());
        }
        boolean afterSpecial = true;
        for (SpecialTokens.Fragment fragment : specialTokens.split(text, parseSpecial)) {
            if (fragment.isText()) {
                encodeText(fragment.text(), afterSpecial, out);
                afterSpecial = false;
            } else {
                out.add(fragment.token());
                afterSpecial = true;
            }
        }
        if (addSpecial && addEos) {
            out.add(vocabulary.eos());
        }
        return out.build().toArray();
    }

    /**
     * Encodes a run of plain text: the whole text, or a part between special tokens.
     *
     * @param afterSpecial whether the run opens the text or follows a special token
     */
    abstract void encodeText(String text, boolean afterSpecial, IntStream.Builder out);

    /**
     * {@inheritDoc}
     *
     * <p>Normal tokens give the bytes their text spells ({@link #normalTokenBytes}); byte tokens
     * their byte; user-defined tokens their text as is; control and unknown tokens their text only
     * when {@code renderSpecial}; unused tokens and undefined types nothing.
     */
    @Override
    public byte[] tokenBytes(int token, boolean renderSpecial) {
        checkId(token);
        String text = vocabulary.text(token);
        return switch (vocabulary.type(token)) {
            case Vocabulary.NORMAL -> normalTokenBytes(text);
            case Vocabulary.BYTE -> new byte[] {(byte) vocabulary.byteValue(token)};
            case Vocabulary.USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case Vocabulary.CONTROL, Vocabulary.UNKNOWN ->
                    renderSpecial ? text.getBytes(StandardCharsets.UTF_8) : NOTHING;
            default -> NOTHING;
        };
    }

    /** The bytes the text of a normal token stands for. */
    abstract byte[] normalTokenBytes(String text);

    @Override
    public String tokenText(int token) {
        checkId(token);
        return vocabulary.text(token);
    }

    @Override
    public int bosId() {
        return vocabulary.bos();
    }

    @Override
    public int eosId() {
        return vocabulary.eos();
    }

    @Override
    public boolean addsBos() {
        return addBos;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        checkId(token);
        return vocabulary.isEndOfGeneration(token);
    }

    @Override
    public boolean isControl(int token) {
        checkId(token);
        return vocabulary.type(token) == Vocabulary.CONTROL;
    }

    private void checkId(int token) {
        if (token < 0 || token >= vocabulary.size()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.."
                    + (vocabulary.size() - 1) + ")");
        }
    }
}
