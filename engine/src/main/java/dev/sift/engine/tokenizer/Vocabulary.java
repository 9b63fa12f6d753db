package dev.sift.engine.tokenizer;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The token table a GGUF file embeds: token texts, scores, token types and the special token ids,
 * checked once on load so that the tokenizers built on it never index out of bounds.
 *
 * <p>Loading follows llama.cpp's {@code llama_vocab::load}, including the rules it applies on top
 * of the metadata: empty token texts are renamed {@code [EMPTY_<id>]}; tokens whose text marks an
 * end of turn ({@code <|end|>}, {@code <|eot_id|>}, …) end generation and become control tokens;
 * and in Phi-3 files whitespace after most special tokens is dropped when they are split out of
 * text. Instances are immutable; their accessors take ids in {@code 0 .. size()-1}.
 */
public final class Vocabulary {

    /** {@code tokenizer.ggml.token_type} of ordinary text pieces. */
    public static final int NORMAL = 1;
    /** Token type of the unknown token ({@code <unk>}). */
    public static final int UNKNOWN = 2;
    /** Token type of control tokens such as {@code <s>}; not rendered as text by default. */
    public static final int CONTROL = 3;
    /** Token type of added tokens that are always split out of text and always rendered. */
    public static final int USER_DEFINED = 4;
    /** Token type of reserved tokens; they render as nothing. */
    public static final int UNUSED = 5;
    /** Token type of byte-fallback tokens, whose text is {@code <0xHH>}. */
    public static final int BYTE = 6;

    static final String TOKENS_KEY = "tokenizer.ggml.tokens";
    static final String SCORES_KEY = "tokenizer.ggml.scores";
    static final String TYPES_KEY = "tokenizer.ggml.token_type";
    static final String BOS_KEY = "tokenizer.ggml.bos_token_id";
    static final String EOS_KEY = "tokenizer.ggml.eos_token_id";
    static final String UNK_KEY = "tokenizer.ggml.unknown_token_id";
    static final String EOT_KEY = "tokenizer.ggml.eot_token_id";
    static final String EOM_KEY = "tokenizer.ggml.eom_token_id";

    /**
     * Texts llama.cpp recognises as ending generation whatever the metadata says (converters rarely
     * write an end-of-turn id). Such tokens are also forced to be control tokens.
     */
    private static final Set<String> END_OF_GENERATION_TEXTS = Set.of(
            "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
            "<|end_of_text|>", "<EOT>", "_<EOT>", "<end_of_utterance>");

    /** In Phi-3 files these special tokens keep the whitespace that follows them. */
    private static final Set<String> PHI3_KEEPS_SPACE_AFTER = Set.of("<unk>", "<s>", "<|endoftext|>");

    private final String[] tokens;
    private final float[] scores;
    private final int[] types;
    private final Map<String, Integer> ids;
    private final int bos;
    private final int eos;
    private final int unk;
    private final int eot;
    private final int eom;
    private final BitSet endOfGeneration = new BitSet();
    private final boolean stripSpaceAfterSpecials;

    /**
     * Builds and validates a vocabulary. The arrays are copied.
     *
     * @param tokens                  token texts, indexed by id
     * @param scores                  merge scores, or {@code null} for all 0 (as llama.cpp)
     * @param types                   token types ({@link #NORMAL} …), or {@code null} for all normal
     * @param bos                     beginning-of-sequence id, or -1 for none; likewise the other ids
     * @param stripSpaceAfterSpecials drop the whitespace after special tokens other than
     *                                {@code <unk>}, {@code <s>} and {@code <|endoftext|>} when they are
     *                                split out of text (llama.cpp does this for Phi-3, whose added
     *                                tokens carry {@code rstrip})
     * @throws GgufFormatException if the arrays disagree in length, a text repeats, a byte token is not
     *                             {@code <0xHH>} or an id lies outside the vocabulary
     */
    public Vocabulary(String[] tokens, float[] scores, int[] types, int bos, int eos, int unk, int eot, int eom,
                      boolean stripSpaceAfterSpecials) {
        if (tokens.length == 0) {
            throw new GgufFormatException("metadata '" + TOKENS_KEY + "' is empty");
        }
        requireLength(SCORES_KEY, scores == null ? tokens.length : scores.length, tokens.length);
        requireLength(TYPES_KEY, types == null ? tokens.length : types.length, tokens.length);
        int size = tokens.length;
        this.tokens = new String[size];
        this.scores = scores == null ? new float[size] : scores.clone();
        this.types = types == null ? filled(size, NORMAL) : types.clone();
        this.ids = HashMap.newHashMap(size);
        for (int id = 0; id < size; id++) {
            // An empty text would match everywhere when special tokens are split out of text.
            String text = tokens[id].isEmpty() ? "[EMPTY_" + id + "]" : tokens[id];
            Integer previous = ids.putIfAbsent(text, id);
            if (previous != null) {
                throw new GgufFormatException("metadata '" + TOKENS_KEY + "' repeats the token '" + text
                        + "' (ids " + previous + " and " + id + ")");
            }
            this.tokens[id] = text;
            if (this.types[id] == BYTE) {
                requireByteText(id, text);
            }
            if (END_OF_GENERATION_TEXTS.contains(text)) {
                endOfGeneration.set(id);
                this.types[id] = CONTROL;
            }
        }
        this.bos = requireId(BOS_KEY, bos, size);
        this.eos = requireId(EOS_KEY, eos, size);
        this.unk = requireId(UNK_KEY, unk, size);
        this.eot = requireId(EOT_KEY, eot, size);
        this.eom = requireId(EOM_KEY, eom, size);
        this.stripSpaceAfterSpecials = stripSpaceAfterSpecials;
        for (int id : new int[] {this.eos, this.eot, this.eom}) {
            if (id >= 0) {
                endOfGeneration.set(id);
            }
        }
    }

    /**
     * Reads {@code tokenizer.ggml.tokens}, {@code scores}, {@code token_type} and the special ids from
     * a GGUF file. A special id whose key is absent (or holds the "unset" value 0xFFFFFFFF) takes the
     * given default, which is dropped if it lies outside the vocabulary, as llama.cpp does.
     *
     * @throws GgufFormatException if the metadata is missing, mistyped or inconsistent
     */
    public static Vocabulary fromGguf(GgufFile file, int defaultBos, int defaultEos, int defaultUnk) {
        String[] tokens = file.stringArray(TOKENS_KEY)
                .orElseThrow(() -> new GgufFormatException("metadata '" + TOKENS_KEY + "' is missing"));
        float[] scores = file.floatArray(SCORES_KEY).orElse(null);
        int[] types = file.intArray(TYPES_KEY).orElse(null);
        int size = tokens.length;
        String name = file.string("general.name").orElse("").toLowerCase(Locale.ROOT);
        return new Vocabulary(tokens, scores, types,
                specialId(file, BOS_KEY, defaultBos, size),
                specialId(file, EOS_KEY, defaultEos, size),
                specialId(file, UNK_KEY, defaultUnk, size),
                specialId(file, EOT_KEY, -1, size),
                specialId(file, EOM_KEY, -1, size),
                name.contains("phi-3") || name.contains("phi3"));
    }

    private static int specialId(GgufFile file, String key, int fallback, int size) {
        Object raw = file.metadata().get(key);
        boolean unset = raw == null
                || raw instanceof Integer i && i == -1
                || raw instanceof Long l && l == -1;
        if (unset) {
            return fallback < size ? fallback : -1;
        }
        return file.integer(key).orElseThrow();
    }

    private static void requireLength(String key, int length, int expected) {
        if (length != expected) {
            throw new GgufFormatException("metadata '" + key + "' has " + length + " entries but '" + TOKENS_KEY
                    + "' has " + expected);
        }
    }

    private static int requireId(String key, int id, int size) {
        if (id < -1 || id >= size) {
            throw new GgufFormatException("metadata '" + key + "' = " + id + " is outside the vocabulary of "
                    + size + " tokens");
        }
        return id;
    }

    private static void requireByteText(int id, String text) {
        boolean valid = text.length() == 6 && text.startsWith("<0x") && text.charAt(5) == '>'
                && Character.digit(text.charAt(3), 16) >= 0 && Character.digit(text.charAt(4), 16) >= 0;
        if (!valid) {
            throw new GgufFormatException("byte token " + id + " has text '" + text + "', expected <0xHH>");
        }
    }

    private static int[] filled(int size, int value) {
        int[] array = new int[size];
        Arrays.fill(array, value);
        return array;
    }

    /** Number of tokens. */
    public int size() {
        return tokens.length;
    }

    /** The text of a token, with SentencePiece's ▁ for spaces where the vocabulary uses it. */
    public String text(int id) {
        return tokens[id];
    }

    /** The merge score of a token (higher merges first). */
    public float score(int id) {
        return scores[id];
    }

    /** The type of a token: {@link #NORMAL}, {@link #CONTROL}, … (other values mean "undefined"). */
    public int type(int id) {
        return types[id];
    }

    /** The id of the token with exactly this text, or -1. */
    public int id(String text) {
        return ids.getOrDefault(text, -1);
    }

    /** The byte a {@link #BYTE} token stands for. */
    public int byteValue(int id) {
        return Integer.parseInt(tokens[id], 3, 5, 16);
    }

    /** Beginning-of-sequence id, or -1. */
    public int bos() {
        return bos;
    }

    /** End-of-sequence id, or -1. */
    public int eos() {
        return eos;
    }

    /** Unknown-token id, or -1. */
    public int unk() {
        return unk;
    }

    /** End-of-turn id from the metadata, or -1. */
    public int eot() {
        return eot;
    }

    /** End-of-message id from the metadata, or -1. */
    public int eom() {
        return eom;
    }

    /** Whether generation ends at this token: EOS, EOT, EOM and tokens whose text marks an end of turn. */
    public boolean isEndOfGeneration(int id) {
        return endOfGeneration.get(id);
    }

    /** Whether this token is split out of text before tokenization: control, user-defined and unknown tokens. */
    public boolean isSpecial(int id) {
        return types[id] == CONTROL || types[id] == USER_DEFINED || types[id] == UNKNOWN;
    }

    /** Whether whitespace right after this special token is dropped when it is split out of text. */
    public boolean stripsSpaceAfter(int id) {
        return stripSpaceAfterSpecials && isSpecial(id) && !PHI3_KEEPS_SPACE_AFTER.contains(tokens[id]);
    }
}
