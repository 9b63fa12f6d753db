package dev.sift.engine.kv;

import dev.sift.engine.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A sequence cut into sentences as its tokens arrive: the unit the {@code sentence} compression
 * method keeps or drops. Sentence {@code j} covers positions {@code start(j) … end(j) − 1}; the
 * sentences tile the sequence, and the last one is open (it grows with the next token).
 *
 * <p>Boundaries come from each token's decoded text, so they work for SentencePiece and byte-level
 * BPE alike and for merged tokens such as {@code ."} or {@code .\n}. A sentence ends after a token:
 * <ul>
 *   <li>ending a sentence ({@code . ! ? …} followed by a space, line break or the next token's leading
 *       space; {@code 。！？} always; a paragraph break; a control token such as a chat turn marker),
 *       once the sentence has {@value #SHORTEST} tokens;</li>
 *   <li>ending a clause ({@code ;} or {@code :} followed by a space, or a single line break), once it
 *       has {@code target / 2} tokens, so code, logs and lists are cut at their lines;</li>
 *   <li>ending a word, once it has {@code (target + maximum) / 2} tokens, so text without punctuation
 *       is still cut into bounded spans;</li>
 *   <li>always, at {@code maximum} tokens.</li>
 * </ul>
 * Whether {@code .} ends a sentence depends on the next token ({@code 3.14} is tokenized
 * {@code 3 . 14}), so a boundary is decided when the token after it arrives. Each token is looked at
 * once: segmentation is O(n).
 */
public final class Sentences {

    /** The fewest tokens a sentence ended by punctuation has ({@code "Yes."} is two tokens). */
    static final int SHORTEST = 2;

    /** What the text of a token says about a break after it. */
    enum Break {
        NONE, WORD, CLAUSE, SENTENCE
    }

    private final Tokenizer tokenizer;
    private final int target;
    private final int maximum;
    /** starts[j] = first position of sentence j; starts[count] = positions held. */
    private int[] starts = new int[64];
    private int count;
    private int length;
    /** Text of the last token appended; "" for none or a control token. */
    private String lastPiece = "";
    private boolean lastWasControl;

    /**
     * @param target  the usual sentence length in tokens, where clauses start to end sentences
     * @param maximum the longest sentence, in tokens
     * @throws IllegalArgumentException unless {@code SHORTEST <= target <= maximum}
     */
    public Sentences(Tokenizer tokenizer, int target, int maximum) {
        if (target < SHORTEST || maximum < target) {
            throw new IllegalArgumentException("sentence lengths must satisfy " + SHORTEST + " <= target <= maximum, got target "
                    + target + " and maximum " + maximum);
        }
        this.tokenizer = tokenizer;
        this.target = target;
        this.maximum = maximum;
    }

    /** Positions segmented so far. */
    public int length() {
        return length;
    }

    /** Sentences so far, the open one included. */
    public int count() {
        return count;
    }

    /** First position of a sentence. */
    public int start(int sentence) {
        return starts[Objects.checkIndex(sentence, count)];
    }

    /** One past the last position of a sentence. */
    public int end(int sentence) {
        Objects.checkIndex(sentence, count);
        return sentence + 1 < count ? starts[sentence + 1] : length;
    }

    /** The sentence holding a position. */
    public int sentenceAt(int position) {
        Objects.checkIndex(position, length);
        int found = Arrays.binarySearch(starts, 0, count, position);
        return found >= 0 ? found : -found - 2;
    }

    /**
     * Adds the token at position {@link #length()}.
     *
     * @return whether it starts a new sentence after a closed one (a boundary in the text so far)
     */
    public boolean append(int token) {
        boolean control = tokenizer.isControl(token);
        String piece = control ? "" : new String(tokenizer.tokenBytes(token, false), StandardCharsets.UTF_8);
        boolean cut = count > 0 && (control || lastWasControl || endsBefore(piece));
        if (count == 0 || cut) {
            if (count + 1 == starts.length) {
                starts = Arrays.copyOf(starts, starts.length * 2);
            }
            starts[count++] = length;
        }
        length++;
        lastPiece = piece;
        lastWasControl = control;
        return cut;
    }

    /** Whether the open sentence ends before a token with text {@code next}. */
    private boolean endsBefore(String next) {
        int held = length - starts[count - 1];
        if (held >= maximum) {
            return true;
        }
        return switch (breakAfter(lastPiece, next)) {
            case SENTENCE -> held >= SHORTEST;
            case CLAUSE -> held >= target / 2;
            case WORD -> held >= (target + maximum) / 2;
            case NONE -> false;
        };
    }

    /** Forgets every position from {@code keep} on. */
    public void truncate(int keep) {
        if (keep < 0 || keep > length) {
            throw new IllegalArgumentException("cannot keep " + keep + " of " + length + " segmented positions");
        }
        if (keep == length) {
            return;
        }
        while (count > 0 && starts[count - 1] >= keep) {
            count--;
        }
        length = keep;
        // The text of the token before the cut is not kept; the next token starts no sentence by itself.
        lastPiece = "";
        lastWasControl = false;
    }

    /** Forgets everything. */
    public void clear() {
        truncate(0);
    }

    /** The break between a token with text {@code piece} and the next one, with text {@code next}. */
    static Break breakAfter(String piece, String next) {
        if (piece.contains("\n\n") || (piece.startsWith("\n") && piece.isBlank() && next.startsWith("\n"))) {
            return Break.SENTENCE;
        }
        int end = piece.length();
        while (end > 0 && isCloser(piece.charAt(end - 1))) {
            end--;
        }
        boolean spaced = end < piece.length() && Character.isWhitespace(piece.charAt(piece.length() - 1))
                || !next.isEmpty() && Character.isWhitespace(next.charAt(0));
        char last = end > 0 ? piece.charAt(end - 1) : 0;
        if (last == '。' || last == '！' || last == '？') {
            return Break.SENTENCE;
        }
        if ((last == '.' || last == '!' || last == '?' || last == '…') && spaced) {
            return Break.SENTENCE;
        }
        if (piece.indexOf('\n') >= 0 || (last == ';' || last == ':') && spaced) {
            return Break.CLAUSE;
        }
        return spaced ? Break.WORD : Break.NONE;
    }

    /** What may follow a sentence's last mark: closing quotes and brackets, emphasis, whitespace. */
    private static boolean isCloser(char c) {
        return Character.isWhitespace(c) || "\"')]}*”’»".indexOf(c) >= 0;
    }
}
