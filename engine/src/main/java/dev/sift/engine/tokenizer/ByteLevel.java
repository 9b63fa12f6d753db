package dev.sift.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * GPT-2's byte-level alphabet ({@code bytes_to_unicode}): each of the 256 byte values is written as
 * one printable character, so that a byte-level BPE vocabulary can spell any byte sequence as text.
 * The printable Latin-1 bytes ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) stand for themselves; the
 * other 68 (controls, space, NBSP, soft hyphen) take the characters from U+0100 on, in byte order, so
 * a space is {@code Ġ} and a newline {@code Ċ}.
 */
final class ByteLevel {

    /** The character spelling each byte. */
    private static final char[] CHARS = new char[256];
    /** The byte each alphabet character spells, or -1; the alphabet ends below U+0144. */
    private static final int[] BYTES = new int[0x144];

    static {
        Arrays.fill(BYTES, -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
            char c = (char) (printable ? b : next++);
            CHARS[b] = c;
            BYTES[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The character that spells a byte. */
    static char charOf(int b) {
        return CHARS[b & 0xFF];
    }

    /** The alphabet spelling of some bytes: one character per byte. */
    static String spell(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = CHARS[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /**
     * The bytes a token text spells, as llama.cpp's {@code llama_decode_text}. A character outside the
     * alphabet cannot come from byte-level encoding; llama.cpp then writes {@code [UNK_BYTE_0x}, the
     * character's UTF-8 bytes in hex and the whole token text, then {@code ]}, and so does this.
     */
    static byte[] unspell(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cp -> {
            int b = cp < BYTES.length ? BYTES[cp] : -1;
            if (b >= 0) {
                out.write(b);
            } else {
                String hex = HexFormat.of().formatHex(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
                out.writeBytes(("[UNK_BYTE_0x" + hex + text + "]").getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }
}
