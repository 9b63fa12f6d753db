package dev.sift.engine.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * How byte-level BPE cuts text into words before merging: the regular expressions llama.cpp's
 * {@code llm_tokenizer_bpe} picks for each {@code tokenizer.ggml.pre}, applied in turn, each one
 * cutting the pieces that the one before left (the text between matches stays a piece too).
 *
 * <p>The expressions are not run through {@code java.util.regex}. llama.cpp does not run them
 * either: it replaces the common ones by hand-written scanners ({@code unicode_regex_split_custom_gpt2},
 * {@code _llama3}, {@code _qwen2}) and runs the rest with {@code std::regex} on text whose non-ASCII
 * characters are collapsed to one stand-in per Unicode category. What has to be matched is that
 * behaviour, down to its character classes: {@code \s} is the Unicode White_Space set (NBSP and
 * U+2028 included, U+001C..U+001F not), {@code \p{L}} and {@code \p{N}} the general categories L* and
 * N*, and only ASCII space can be the optional space in front of a word. The scanners below follow
 * llama.cpp's line by line, and every one is a single forward pass, so no text can make them
 * backtrack.
 */
enum PreTokenizer {

    /**
     * Llama 3: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
     * ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
     */
    LLAMA3((cps, start, end, cuts) -> llama3(cps, start, end, 3, cuts)),

    /** Qwen2: Llama 3's expression with one digit per word ({@code \p{N}}). */
    QWEN2((cps, start, end, cuts) -> llama3(cps, start, end, 1, cuts)),

    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)}. */
    GPT2(PreTokenizer::gpt2),

    /** StarCoder and SmolLM: every digit alone ({@code \p{N}}), then GPT-2's expression. */
    STARCODER(PreTokenizer::eachNumber, PreTokenizer::gpt2),

    /**
     * llama.cpp's fallback when a file names no pre-tokenizer: {@code [\p{P}\$\+<=>\^~\|]+}, GPT-2's
     * expression, {@code \p{N}+}, then {@code [0-9][0-9][0-9]}.
     */
    DEFAULT(PreTokenizer::punctuationRuns, PreTokenizer::gpt2, PreTokenizer::numberRuns,
            PreTokenizer::asciiDigitTriples);

    /** One expression: cuts the piece {@code cps[start..end)} into words, ending each with {@link Cuts#add}. */
    @FunctionalInterface
    private interface Stage {
        void cut(int[] cps, int start, int end, Cuts cuts);
    }

    private final Stage[] stages;

    PreTokenizer(Stage... stages) {
        this.stages = stages;
    }

    /** The words of a text, in order; none for empty text. */
    List<String> split(String text) {
        // A lone surrogate is not a character; llama.cpp turns invalid UTF-8 into U+FFFD likewise.
        int[] cps = text.codePoints()
                .map(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE ? 0xFFFD : cp)
                .toArray();
        int[] ends = cps.length == 0 ? new int[0] : new int[] {cps.length};
        for (Stage stage : stages) {
            Cuts cuts = new Cuts(ends.length);
            int start = 0;
            for (int end : ends) {
                stage.cut(cps, start, end, cuts);
                start = end;
            }
            ends = cuts.toArray();
        }
        List<String> words = new ArrayList<>(ends.length);
        int start = 0;
        for (int end : ends) {
            words.add(new String(cps, start, end - start));
            start = end;
        }
        return words;
    }

    /**
     * Where words end, in code points, like llama.cpp's offset lists: an end at or before the last
     * one adds nothing, so no word is ever empty.
     */
    private static final class Cuts {
        private int[] ends;
        private int size;
        private int last;

        Cuts(int capacity) {
            ends = new int[Math.max(16, capacity)];
        }

        /** Ends a word at {@code end}, which is returned. */
        int add(int end) {
            if (end > last) {
                if (size == ends.length) {
                    ends = Arrays.copyOf(ends, size * 2);
                }
                ends[size++] = end;
                last = end;
            }
            return end;
        }

        int[] toArray() {
            return Arrays.copyOf(ends, size);
        }
    }

    /**
     * llama.cpp's {@code unicode_regex_split_custom_llama3}, and {@code _qwen2} with
     * {@code digits} = 1.
     */
    private static void llama3(int[] cps, int start, int end, int digits, Cuts cuts) {
        int pos = start;
        while (pos < end) {
            int c = cps[pos];
            int contraction = contraction(cps, pos, end, true);
            if (contraction > 0) {
                pos = cuts.add(pos + contraction);
                continue;
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            boolean leads = c != '\r' && c != '\n' && !isNumber(c);
            if (leads && (isLetter(c) || is(cps, end, pos + 1, PreTokenizer::isLetter))) {
                pos = cuts.add(skip(cps, end, pos + 1, PreTokenizer::isLetter));
                continue;
            }
            // \p{N}{1,digits}
            if (isNumber(c)) {
                int group = pos;
                while (is(cps, end, pos, PreTokenizer::isNumber)) {
                    if (++pos - group == digits) {
                        group = cuts.add(pos);
                    }
                }
                cuts.add(pos);
                continue;
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'. A space that ends the piece passes too, as in llama.cpp
            // (its check reads the flags of the wrong character); that space is a word alone anyway.
            int first = c == ' ' ? pos + 1 : pos;
            if (first == end || isOther(cps[first])) {
                pos = skip(cps, end, first, PreTokenizer::isOther);
                pos = cuts.add(skip(cps, end, pos, cp -> cp == '\r' || cp == '\n'));
                continue;
            }
            // Every other case has been taken, so c is whitespace.
            pos = cuts.add(whitespaceEnd(cps, pos, end, true));
        }
    }

    /** llama.cpp's {@code unicode_regex_split_custom_gpt2}. */
    private static void gpt2(int[] cps, int start, int end, Cuts cuts) {
        int pos = start;
        while (pos < end) {
            int contraction = contraction(cps, pos, end, false);
            if (contraction > 0) {
                pos = cuts.add(pos + contraction);
                continue;
            }
            // ' ?\p{L}+', ' ?\p{N}+' and ' ?[^\s\p{L}\p{N}]+': the class of the character after an
            // optional space decides.
            int first = cps[pos] == ' ' ? pos + 1 : pos;
            IntPredicate run = first == end ? null
                    : isLetter(cps[first]) ? PreTokenizer::isLetter
                    : isNumber(cps[first]) ? PreTokenizer::isNumber
                    : isOther(cps[first]) ? PreTokenizer::isOther
                    : null;
            if (run != null) {
                pos = cuts.add(skip(cps, end, first, run));
                continue;
            }
            // Whitespace, or a space that ends the piece or precedes whitespace.
            pos = cuts.add(whitespaceEnd(cps, pos, end, false));
        }
    }

    /**
     * The length of {@code 's 't 're 've 'm 'll 'd} at {@code pos}, or 0. Llama 3 and Qwen2 ignore case
     * ({@code unicode_tolower}; only ASCII letters lower-case to these), GPT-2 does not.
     */
    private static int contraction(int[] cps, int pos, int end, boolean ignoreCase) {
        if (cps[pos] != '\'' || pos + 1 >= end) {
            return 0;
        }
        int a = ignoreCase ? Character.toLowerCase(cps[pos + 1]) : cps[pos + 1];
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return 2;
        }
        if (pos + 2 >= end) {
            return 0;
        }
        int b = ignoreCase ? Character.toLowerCase(cps[pos + 2]) : cps[pos + 2];
        return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 3 : 0;
    }

    /**
     * The end of the whitespace word at {@code pos}: with {@code newlines} first {@code \s*[\r\n]+},
     * up to the last line break of the run; then {@code \s+(?!\S)}, the run but for the last
     * character when more text follows and the run is longer than one; else the whole run.
     */
    private static int whitespaceEnd(int[] cps, int pos, int end, boolean newlines) {
        int runEnd = pos;
        int afterLineBreak = -1;
        while (runEnd < end && isWhitespace(cps[runEnd])) {
            if (newlines && (cps[runEnd] == '\r' || cps[runEnd] == '\n')) {
                afterLineBreak = runEnd + 1;
            }
            runEnd++;
        }
        if (afterLineBreak >= 0) {
            return afterLineBreak;
        }
        return runEnd - pos > 1 && runEnd < end ? runEnd - 1 : runEnd;
    }

    /** {@code \p{N}} run with {@code std::regex}: every number character is a word of its own. */
    private static void eachNumber(int[] cps, int start, int end, Cuts cuts) {
        runs(cps, start, end, PreTokenizer::isNumber, 1, cuts);
    }

    /** {@code \p{N}+} run with {@code std::regex}. */
    private static void numberRuns(int[] cps, int start, int end, Cuts cuts) {
        runs(cps, start, end, PreTokenizer::isNumber, Integer.MAX_VALUE, cuts);
    }

    /** {@code [\p{P}\$\+<=>\^~\|]+} run with {@code std::regex}. */
    private static void punctuationRuns(int[] cps, int start, int end, Cuts cuts) {
        runs(cps, start, end, PreTokenizer::isDefaultPunctuation, Integer.MAX_VALUE, cuts);
    }

    /**
     * Each run of members is cut into words of at most {@code max}, and the text between runs stays
     * a word: what {@code std::regex} matching of {@code member{1,max}} leaves.
     */
    private static void runs(int[] cps, int start, int end, IntPredicate member, int max, Cuts cuts) {
        int pos = start;
        while (pos < end) {
            if (member.test(cps[pos])) {
                cuts.add(pos);
                int group = pos;
                while (pos < end && member.test(cps[pos]) && pos - group < max) {
                    pos++;
                }
                cuts.add(pos);
            } else {
                pos++;
            }
        }
        cuts.add(end);
    }

    /** {@code [0-9][0-9][0-9]} run with {@code std::regex}: ASCII digits three at a time, leftmost first. */
    private static void asciiDigitTriples(int[] cps, int start, int end, Cuts cuts) {
        int pos = start;
        while (pos + 3 <= end) {
            if (isAsciiDigit(cps[pos]) && isAsciiDigit(cps[pos + 1]) && isAsciiDigit(cps[pos + 2])) {
                cuts.add(pos);
                pos = cuts.add(pos + 3);
            } else {
                pos++;
            }
        }
        cuts.add(end);
    }

    /** The first position from {@code pos} whose character is not in the class (or the end). */
    private static int skip(int[] cps, int end, int pos, IntPredicate member) {
        while (pos < end && member.test(cps[pos])) {
            pos++;
        }
        return pos;
    }

    /** Whether the character at {@code pos} is in the piece and in the class; llama.cpp's {@code _get_flags}. */
    private static boolean is(int[] cps, int end, int pos, IntPredicate member) {
        return pos < end && member.test(cps[pos]);
    }

    /** {@code \p{L}}: general categories Lu, Ll, Lt, Lm, Lo. */
    private static boolean isLetter(int cp) {
        return Character.isLetter(cp);
    }

    /** {@code \p{N}}: general categories Nd, Nl, No. */
    private static boolean isNumber(int cp) {
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /**
     * {@code \s} as llama.cpp defines it: Unicode's White_Space property. Java's
     * {@code Character.isWhitespace} differs (it excludes NBSP and includes U+001C..U+001F).
     */
    private static boolean isWhitespace(int cp) {
        return (cp >= '\t' && cp <= '\r') || cp == ' ' || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** {@code [^\s\p{L}\p{N}]}: punctuation, symbols, marks, controls, unassigned code points. */
    private static boolean isOther(int cp) {
        return !isWhitespace(cp) && !isLetter(cp) && !isNumber(cp);
    }

    /** {@code [\p{P}\$\+<=>\^~\|]}. */
    private static boolean isDefaultPunctuation(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> "$+<=>^~|".indexOf(cp) >= 0;
        };
    }

    private static boolean isAsciiDigit(int cp) {
        return cp >= '0' && cp <= '9';
    }
}
