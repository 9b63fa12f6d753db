package dev.sift.engine.tokenizer;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * The SentencePiece BPE tokenizer of Llama 2, Mistral v0.1 and Phi-3 ({@code tokenizer.ggml.model =
 * "llama"}), token for token as llama.cpp's {@code llm_tokenizer_spm}.
 *
 * <p>Encoding: special tokens are split out of the text first ({@link SpecialTokens}); each plain run
 * gets a leading space if it opens the text or follows a special token ({@code add_space_prefix}),
 * its spaces become {@code ▁}, and it is cut into characters that are merged pairwise, the pair
 * whose merged text is the highest-scoring vocabulary entry first (leftmost on ties). A character
 * that no merge covers and that is not in the vocabulary is spelled as {@code <0xHH>} byte tokens,
 * or becomes the unknown token when the vocabulary has no byte tokens.
 */
public final class SentencePieceTokenizer extends VocabularyTokenizer {

    private static final String ADD_SPACE_PREFIX_KEY = "tokenizer.ggml.add_space_prefix";
    /** SentencePiece's stand-in for a space, U+2581. */
    private static final char SPACE_MARK = '▁';

    private final boolean addSpacePrefix;
    /** The token that spells each byte value when a piece falls back to bytes, or -1. */
    private final int[] byteTokens = new int[256];

    /**
     * @param vocabulary     the token table
     * @param addBos         {@link #encode} with {@code addSpecial} prepends BOS
     * @param addEos         {@link #encode} with {@code addSpecial} appends EOS
     * @param addSpacePrefix a space is put in front of the text, as SentencePiece does
     * @throws GgufFormatException if BOS or EOS is to be added but the vocabulary has none, or if some
     *                             byte has neither a byte token nor the unknown token to fall back on
     */
    public SentencePieceTokenizer(Vocabulary vocabulary, boolean addBos, boolean addEos, boolean addSpacePrefix) {
        super(vocabulary, addBos, addEos);
        this.addSpacePrefix = addSpacePrefix;
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = vocabulary.id("<0x%02X>".formatted(b));
            if (byteTokens[b] < 0 && vocabulary.unk() < 0) {
                throw new GgufFormatException("the vocabulary has no token for byte 0x%02X and no unknown token"
                        .formatted(b));
            }
        }
    }

    /**
     * Builds the tokenizer from {@code tokenizer.ggml.*} metadata, with llama.cpp's defaults for this
     * model: BOS 1, EOS 2, unknown 0; add BOS, do not add EOS, add a space prefix.
     *
     * @throws GgufFormatException if the metadata is missing or inconsistent
     */
    public static SentencePieceTokenizer fromGguf(GgufFile file) {
        return new SentencePieceTokenizer(Vocabulary.fromGguf(file, 1, 2, 0),
                file.bool(ADD_BOS_KEY).orElse(true),
                file.bool(ADD_EOS_KEY).orElse(false),
                file.bool(ADD_SPACE_PREFIX_KEY).orElse(true));
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntStream.Builder out) {
        // Like llama.cpp, every plain run after a special token gets the space prefix too, so
        // "<s>hello" encodes as <s> ▁hello.
        String piece = addSpacePrefix && afterSpecial ? " " + text : text;
        Merges merges = new Merges(piece.replace(' ', SPACE_MARK));
        merges.mergeAll();
        merges.emit(out);
    }

    /** Normal tokens write a space as {@code ▁}. */
    @Override
    byte[] normalTokenBytes(String text) {
        return text.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@inheritDoc}
     *
     * <p>As llama.cpp's {@code llama_detokenize}, the space prefix that encoding added is taken off
     * again: one leading space of the first token's text is dropped, unless that token renders as
     * nothing (such as a hidden BOS), in which case nothing is dropped.
     */
    @Override
    public String decode(int[] tokens, boolean renderSpecial) {
        StreamDecoder decoder = new StreamDecoder(this, renderSpecial);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < tokens.length; i++) {
            byte[] piece = tokenBytes(tokens[i], renderSpecial);
            if (i == 0 && addSpacePrefix && piece.length > 0 && piece[0] == ' ') {
                piece = Arrays.copyOfRange(piece, 1, piece.length);
            }
            text.append(decoder.accept(piece));
        }
        return text.append(decoder.flush()).toString();
    }

    @Override
    public boolean addsSpacePrefix() {
        return addSpacePrefix;
    }

    /**
     * One run of text being merged: a doubly linked list of symbols (spans of the text), each
     * starting as one character, and a queue of adjacent pairs whose merged text is a token.
     */
    private final class Merges {

        /** Two adjacent symbols that may merge; {@code length} detects that either has changed since. */
        private record Pair(int left, int right, float score, int length) implements Comparable<Pair> {
            /** Higher score first, then leftmost; plain float comparison, so -0.0 ties with 0.0 as in C++. */
            @Override
            public int compareTo(Pair other) {
                if (score > other.score) {
                    return -1;
                }
                if (score < other.score) {
                    return 1;
                }
                return Integer.compare(left, other.left);
            }
        }

        private final String text;
        private final int[] start;
        private final int[] length;
        private final int[] previous;
        private final int[] next;
        private final PriorityQueue<Pair> queue = new PriorityQueue<>();

        Merges(String text) {
            this.text = text;
            int count = text.codePointCount(0, text.length());
            start = new int[count];
            length = new int[count];
            previous = new int[count];
            next = new int[count];
            for (int i = 0, offset = 0; i < count; i++) {
                start[i] = offset;
                length[i] = Character.charCount(text.codePointAt(offset));
                previous[i] = i - 1;
                next[i] = i + 1 < count ? i + 1 : -1;
                offset += length[i];
            }
        }

        /** Merges the best pair until no adjacent pair forms a token. */
        void mergeAll() {
            for (int i = 1; i < start.length; i++) {
                offer(i - 1, i);
            }
            while (!queue.isEmpty()) {
                Pair pair = queue.poll();
                int left = pair.left();
                int right = pair.right();
                if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != pair.length()) {
                    continue; // one side has merged with something else since this pair was queued
                }
                length[left] += length[right];
                length[right] = 0;
                next[left] = next[right];
                if (next[right] >= 0) {
                    previous[next[right]] = left;
                }
                offer(previous[left], left);
                offer(left, next[left]);
            }
        }

        private void offer(int left, int right) {
            if (left < 0 || right < 0) {
                return;
            }
            int merged = length[left] + length[right];
            int id = vocabulary.id(text.substring(start[left], start[left] + merged));
            if (id >= 0) {
                queue.add(new Pair(left, right, vocabulary.score(id), merged));
            }
        }

        /**
         * Emits the surviving symbols. Every merged symbol is a token by construction, so only single
         * characters can be missing from the vocabulary (which is why llama.cpp's {@code rev_merge}
         * re-segmentation never fires for valid UTF-8, and is left out here). Such a character is
         * spelled in byte tokens; where the vocabulary lacks them it becomes one unknown token, as in
         * SentencePiece without byte fallback (llama.cpp would fail instead).
         */
        void emit(IntStream.Builder out) {
            for (int i = start.length == 0 ? -1 : 0; i >= 0; i = next[i]) {
                String piece = text.substring(start[i], start[i] + length[i]);
                int id = vocabulary.id(piece);
                if (id >= 0) {
                    out.add(id);
                    continue;
                }
                byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
                int[] spelled = new int[bytes.length];
                boolean complete = true;
                for (int k = 0; k < bytes.length; k++) {
                    spelled[k] = byteTokens[bytes[k] & 0xFF];
                    complete &= spelled[k] >= 0;
                }
                if (complete) {
                    for (int token : spelled) {
                        out.add(token);
                    }
                } else {
                    out.add(vocabulary.unk());
                }
            }
        }
    }
}
