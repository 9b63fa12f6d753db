package dev.sift.engine.tokenizer;

/**
 * Turns a stream of tokens into text one token at a time, emitting only whole UTF-8 characters.
 *
 * <p>A character may be spread over several tokens (byte-fallback tokens carry one byte each), so
 * the bytes of an unfinished character are held back until the token that completes it arrives.
 * Bytes that cannot be part of a well-formed character are replaced by U+FFFD at once, one
 * replacement per maximal ill-formed subsequence (the Unicode and WHATWG practice), so nothing is
 * held back for longer than a valid prefix lasts. No leading space is removed: a token {@code ▁The}
 * yields {@code " The"}.
 *
 * <p>One decoder serves one stream and is not thread-safe.
 */
public final class StreamDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    /** Bytes of a character that is not complete yet: at most 3. */
    private final byte[] pending = new byte[3];
    private int pendingLength;

    /**
     * @param tokenizer     the tokenizer whose tokens are decoded
     * @param renderSpecial whether control tokens are rendered as their text
     */
    public StreamDecoder(Tokenizer tokenizer, boolean renderSpecial) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
    }

    /** The text that becomes complete with this token; empty while a character is still unfinished. */
    public String next(int token) {
        return accept(tokenizer.tokenBytes(token, renderSpecial));
    }

    /** Ends the stream: the bytes still held back, as U+FFFD since they never formed a character. */
    public String flush() {
        return decode(new byte[0], true);
    }

    /** Feeds raw bytes, for callers that adjust a token's bytes before decoding them. */
    String accept(byte[] bytes) {
        return decode(bytes, false);
    }

    private String decode(byte[] bytes, boolean end) {
        byte[] in = new byte[pendingLength + bytes.length];
        System.arraycopy(pending, 0, in, 0, pendingLength);
        System.arraycopy(bytes, 0, in, pendingLength, bytes.length);
        pendingLength = 0;

        StringBuilder out = new StringBuilder(in.length);
        int i = 0;
        while (i < in.length) {
            int lead = in[i] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                i++;
                continue;
            }
            // Continuation bytes needed, and the range of the first one, which excludes overlong
            // forms, surrogates and code points above U+10FFFF.
            int needed;
            int low = 0x80;
            int high = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                needed = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                needed = 2;
                low = lead == 0xE0 ? 0xA0 : 0x80;
                high = lead == 0xED ? 0x9F : 0xBF;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                needed = 3;
                low = lead == 0xF0 ? 0x90 : 0x80;
                high = lead == 0xF4 ? 0x8F : 0xBF;
            } else {
                out.append(REPLACEMENT);
                i++;
                continue;
            }
            int codePoint = lead & (0x3F >> needed);
            int j = i + 1;
            while (j < in.length && j <= i + needed) {
                int next = in[j] & 0xFF;
                if (next < low || next > high) {
                    break;
                }
                codePoint = (codePoint << 6) | (next & 0x3F);
                low = 0x80;
                high = 0xBF;
                j++;
            }
            if (j == i + needed + 1) {
                out.appendCodePoint(codePoint);
            } else if (j == in.length && !end) {
                // A valid prefix that the next token may complete.
                pendingLength = in.length - i;
                System.arraycopy(in, i, pending, 0, pendingLength);
            } else {
                out.append(REPLACEMENT);
            }
            i = j;
        }
        return out.toString();
    }
}
