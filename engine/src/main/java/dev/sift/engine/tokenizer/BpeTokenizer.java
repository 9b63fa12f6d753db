package dev.sift.engine.tokenizer;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * The byte-level BPE tokenizer of GPT-2, Llama 3, Qwen2/3 and their kin ({@code tokenizer.ggml.model
 * = "gpt2"}), token for token as llama.cpp's {@code llm_tokenizer_bpe}.
 *
 * <p>Encoding: special tokens are split out of the text first ({@link SpecialTokens}); each plain run
 * is cut into words by the pre-tokenizer that {@code tokenizer.ggml.pre} names ({@link PreTokenizer});
 * each word's UTF-8 bytes are spelled in GPT-2's byte alphabet ({@link ByteLevel}), one symbol per
 * byte; and adjacent symbols are merged by {@code tokenizer.ggml.merges}, the pair whose merge comes
 * first in that list first (leftmost on ties), until no pair has a merge. Llama 3 vocabularies skip
 * the merging for a word that is a token as a whole ({@code ignore_merges}).
 *
 * <p>Unlike SentencePiece there is no space prefix: a leading space is part of the next word.
 */
public final class BpeTokenizer extends VocabularyTokenizer {

    static final String MERGES_KEY = "tokenizer.ggml.merges";
    static final String PRE_KEY = "tokenizer.ggml.pre";
    /** The pre-tokenizer llama.cpp falls back on, with a warning, when a file names none. */
    private static final String DEFAULT_PRE = "default";

    /**
     * What llama.cpp's {@code llama_vocab::load} makes of a {@code tokenizer.ggml.pre} value.
     *
     * @param splitter     how text is cut into words
     * @param ignoreMerges a word that is itself a token is emitted as is
     * @param addBos       the default of {@code tokenizer.ggml.add_bos_token}
     * @param cleanSpaces  {@link #decode} applies Hugging Face's {@code clean_up_tokenization_spaces}
     */
    private record Pre(PreTokenizer splitter, boolean ignoreMerges, boolean addBos, boolean cleanSpaces) {
    }

    /** The {@code tokenizer.ggml.pre} values supported, with llama.cpp's settings for each. */
    private static final Map<String, Pre> PRE_TYPES = new LinkedHashMap<>();

    static {
        supported(new Pre(PreTokenizer.LLAMA3, true, true, true),
                "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral");
        supported(new Pre(PreTokenizer.LLAMA3, false, false, true), "dbrx", "smaug-bpe");
        supported(new Pre(PreTokenizer.QWEN2, false, false, false), "qwen2", "deepseek-r1-qwen");
        supported(new Pre(PreTokenizer.QWEN2, false, false, true), "stablelm2", "megrez");
        supported(new Pre(PreTokenizer.GPT2, false, false, true), "gpt-2", "phi-2", "mpt", "olmo");
        supported(new Pre(PreTokenizer.STARCODER, false, false, false), "smollm", "command-r");
        supported(new Pre(PreTokenizer.STARCODER, false, false, true), "starcoder", "refact");
        supported(new Pre(PreTokenizer.DEFAULT, false, false, true), DEFAULT_PRE);
    }

    private final PreTokenizer splitter;
    private final boolean ignoreMerges;
    private final boolean cleanSpaces;
    /** The rank (index in the merge list) of each mergeable pair of tokens. */
    private final PairRanks ranks;
    /** The token each merge produces, by rank. */
    private final int[] mergeResults;
    /** The token of each byte's alphabet character, or -1 if the vocabulary lacks it. */
    private final int[] byteTokens = new int[256];

    /**
     * @param vocabulary the token table
     * @param merges     the merge rules, best first, each two tokens separated by a space ({@code "Ġ t"})
     * @param pre        the pre-tokenizer, as named by {@code tokenizer.ggml.pre}
     * @param addBos     {@link #encode} with {@code addSpecial} prepends BOS
     * @param addEos     {@link #encode} with {@code addSpecial} appends EOS
     * @throws GgufFormatException if the pre-tokenizer is not supported, a merge is not two tokens that
     *                             join into a third, or BOS or EOS is to be added but the vocabulary has
     *                             none
     */
    public BpeTokenizer(Vocabulary vocabulary, String[] merges, String pre, boolean addBos, boolean addEos) {
        super(vocabulary, addBos, addEos);
        Pre settings = preType(pre);
        this.splitter = settings.splitter();
        this.ignoreMerges = settings.ignoreMerges();
        this.cleanSpaces = settings.cleanSpaces();
        this.ranks = new PairRanks(merges.length);
        this.mergeResults = new int[merges.length];
        for (int rank = 0; rank < merges.length; rank++) {
            String merge = merges[rank];
            // As llama.cpp: the separator is the first space after the first character.
            int space = merge.indexOf(' ', 1);
            if (space < 0) {
                throw badMerge(rank, merge, "is not two tokens separated by a space");
            }
            String first = merge.substring(0, space);
            String second = merge.substring(space + 1);
            int left = mergePart(rank, merge, first);
            int right = mergePart(rank, merge, second);
            mergeResults[rank] = vocabulary.id(first + second);
            if (mergeResults[rank] < 0) {
                throw badMerge(rank, merge, "joins into '" + first + second + "', which is not in the vocabulary");
            }
            // A repeated pair keeps its first rank, as llama.cpp's map emplace does.
            ranks.putIfAbsent(left, right, rank);
        }
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = vocabulary.id(String.valueOf(ByteLevel.charOf(b)));
        }
    }

    /**
     * Builds the tokenizer from {@code tokenizer.ggml.*} metadata with llama.cpp's defaults for this
     * model: BOS and EOS 11, no unknown token; add BOS as the pre-tokenizer's family does (Llama 3
     * yes, Qwen2 and GPT-2 no) unless {@code add_bos_token} says otherwise; do not add EOS. A file
     * without {@code tokenizer.ggml.pre} gets llama.cpp's {@code default} pre-tokenizer.
     *
     * @throws GgufFormatException if the metadata is missing or inconsistent, or names a pre-tokenizer
     *                             this engine does not support
     */
    public static BpeTokenizer fromGguf(GgufFile file) {
        String pre = file.string(PRE_KEY).filter(name -> !name.isEmpty()).orElse(DEFAULT_PRE);
        String[] merges = file.stringArray(MERGES_KEY)
                .orElseThrow(() -> new GgufFormatException("metadata '" + MERGES_KEY + "' is missing"));
        return new BpeTokenizer(Vocabulary.fromGguf(file, 11, 11, -1), merges, pre,
                file.bool(ADD_BOS_KEY).orElse(preType(pre).addBos()),
                file.bool(ADD_EOS_KEY).orElse(false));
    }

    private static void supported(Pre settings, String... names) {
        for (String name : names) {
            PRE_TYPES.put(name, settings);
        }
    }

    private static Pre preType(String pre) {
        Pre settings = PRE_TYPES.get(pre);
        if (settings == null) {
            throw new GgufFormatException(PRE_KEY + " '" + pre + "' is not supported (supported: "
                    + String.join(", ", PRE_TYPES.keySet()) + ")");
        }
        return settings;
    }

    private int mergePart(int rank, String merge, String part) {
        int id = vocabulary.id(part);
        if (id < 0) {
            throw badMerge(rank, merge, "has the part '" + part + "', which is not in the vocabulary");
        }
        return id;
    }

    private static GgufFormatException badMerge(int rank, String merge, String problem) {
        return new GgufFormatException("metadata '" + MERGES_KEY + "' entry " + rank + " '" + merge + "' " + problem);
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntStream.Builder out) {
        for (String word : splitter.split(text)) {
            byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
            int whole = ignoreMerges ? vocabulary.id(ByteLevel.spell(bytes)) : -1;
            if (whole >= 0) {
                out.add(whole);
            } else {
                new Merges(bytes).mergeAll(out);
            }
        }
    }

    /** Normal tokens spell bytes in GPT-2's byte alphabet. */
    @Override
    byte[] normalTokenBytes(String text) {
        return ByteLevel.unspell(text);
    }

    /**
     * {@inheritDoc}
     *
     * <p>As llama.cpp's {@code llama_detokenize}, the text is then cleaned as Hugging Face's
     * {@code clean_up_tokenization_spaces} does, for every pre-tokenizer but those llama.cpp exempts
     * (Qwen2, SmolLM, Command-R): the space before {@code ? ! . ,} is dropped, a lone {@code '} between
     * spaces loses both, and {@code 's 'm 're 've} lose the space before them. A {@link StreamDecoder}
     * does none of this.
     */
    @Override
    public String decode(int[] tokens, boolean renderSpecial) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int token : tokens) {
            bytes.writeBytes(tokenBytes(token, renderSpecial));
        }
        byte[] text = cleanSpaces ? cleanUpSpaces(bytes.toByteArray()) : bytes.toByteArray();
        StreamDecoder decoder = new StreamDecoder(this, renderSpecial);
        return decoder.accept(text) + decoder.flush();
    }

    /**
     * llama.cpp's three clean-up passes, kept as written there (in place, each reading the original
     * character before the current one) since their quirks are part of the output: in {@code "a ' '
     * b"} only the first quote is treated, and {@code " 't"}, {@code " 'd"}, {@code " 'll"} keep their
     * space.
     */
    private static byte[] cleanUpSpaces(byte[] text) {
        // " ?", " !", " .", " ,": drop the space.
        int n = text.length;
        int total = Math.min(n, 1);
        for (int i = 1; i < n; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            text[total++] = x;
        }
        // " ' ": drop both spaces. The second is overwritten, so the character after it does not see a space.
        n = total;
        total = Math.min(n, 1);
        for (int i = 1; i < n; i++) {
            byte x = text[i];
            if (x == '\'' && i + 1 < n && text[i - 1] == ' ' && text[i + 1] == ' ') {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }
        // " 's", " 'm", " 're", " 've": drop the space.
        n = total;
        total = Math.min(n, 1);
        for (int i = 1; i < n; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < n) {
                byte next = text[i + 1];
                boolean reOrVe = i + 2 < n && (next == 'r' || next == 'v') && text[i + 2] == 'e';
                if (next == 's' || next == 'm' || reOrVe) {
                    total--;
                }
            }
            text[total++] = x;
        }
        return Arrays.copyOf(text, total);
    }

    /**
     * One word being merged: a doubly linked list of symbols, each starting as one byte's token, and
     * a queue of adjacent pairs that have a merge.
     */
    private final class Merges {

        /** Marks a symbol that has been merged into the one before it. */
        private static final int MERGED = -2;

        /** Two adjacent symbols that may merge, and the tokens they held when queued. */
        private record Pair(int left, int right, int leftToken, int rightToken, int rank) implements Comparable<Pair> {
            /** Lowest rank first, then leftmost. */
            @Override
            public int compareTo(Pair other) {
                return rank != other.rank ? Integer.compare(rank, other.rank) : Integer.compare(left, other.left);
            }
        }

        private final int[] tokens;
        private final int[] previous;
        private final int[] next;
        private final PriorityQueue<Pair> queue = new PriorityQueue<>();

        Merges(byte[] bytes) {
            int count = bytes.length;
            tokens = new int[count];
            previous = new int[count];
            next = new int[count];
            for (int i = 0; i < count; i++) {
                tokens[i] = byteTokens[bytes[i] & 0xFF];
                previous[i] = i - 1;
                next[i] = i + 1 < count ? i + 1 : -1;
            }
        }

        /**
         * Merges the best pair until none has a merge, then emits the symbols. Every merge yields a
         * token (the constructor checked), so only a byte whose alphabet character is missing from
         * the vocabulary can be left without one; llama.cpp then looks up the symbol's bytes one by
         * one as token texts, which never matches, so such a byte is dropped here too.
         */
        void mergeAll(IntStream.Builder out) {
            for (int i = 1; i < tokens.length; i++) {
                offer(i - 1, i);
            }
            while (!queue.isEmpty()) {
                Pair pair = queue.poll();
                int left = pair.left();
                int right = pair.right();
                if (tokens[left] != pair.leftToken() || tokens[right] != pair.rightToken()) {
                    continue; // one side has merged with something else since this pair was queued
                }
                tokens[left] = mergeResults[pair.rank()];
                tokens[right] = MERGED;
                next[left] = next[right];
                if (next[right] >= 0) {
                    previous[next[right]] = left;
                }
                offer(previous[left], left);
                offer(left, next[left]);
            }
            for (int i = tokens.length == 0 ? -1 : 0; i >= 0; i = next[i]) {
                if (tokens[i] >= 0) {
                    out.add(tokens[i]);
                }
            }
        }

        private void offer(int left, int right) {
            if (left < 0 || right < 0) {
                return;
            }
            int rank = ranks.get(tokens[left], tokens[right]);
            if (rank >= 0) {
                queue.add(new Pair(left, right, tokens[left], tokens[right], rank));
            }
        }
    }

    /**
     * Merge ranks keyed by token pair: open addressing over primitive arrays, since a Llama 3 file has
     * 280,000 merges and {@code Long} keys hash poorly here ({@code left ^ right} collides a lot).
     */
    private static final class PairRanks {
        private static final long EMPTY = -1;

        private final long[] keys;
        private final int[] ranks;
        private final int mask;
        private final int shift;

        PairRanks(int expected) {
            // A power of two above twice the entries, so that probe runs stay short.
            int capacity = Integer.highestOneBit(Math.max(expected, 1)) << 2;
            keys = new long[capacity];
            ranks = new int[capacity];
            mask = capacity - 1;
            shift = 64 - Integer.numberOfTrailingZeros(capacity);
            Arrays.fill(keys, EMPTY);
        }

        void putIfAbsent(int left, int right, int rank) {
            long key = key(left, right);
            int slot = slot(key);
            if (keys[slot] == EMPTY) {
                keys[slot] = key;
                ranks[slot] = rank;
            }
        }

        /** The rank of the pair, or -1 if it has no merge. */
        int get(int left, int right) {
            if (left < 0 || right < 0) {
                return -1;
            }
            long key = key(left, right);
            int slot = slot(key);
            return keys[slot] == key ? ranks[slot] : -1;
        }

        private static long key(int left, int right) {
            return (long) left << 32 | right;
        }

        /** The slot holding the key, or the empty slot where it would go; Fibonacci hashing. */
        private int slot(long key) {
            int slot = (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
            while (keys[slot] != EMPTY && keys[slot] != key) {
                slot = (slot + 1) & mask;
            }
            return slot;
        }
    }
}
