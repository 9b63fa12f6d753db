package dev.sift.engine.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class StreamDecoderTest {

    private static SentencePieceTokenizer stories;

    @BeforeAll
    static void load() {
        stories = TestVocabulary.shared("stories260K.gguf");
    }

    /** The byte token of stories260K for a byte value. */
    private static int byteToken(int b) {
        return stories.vocabulary().id("<0x%02X>".formatted(b));
    }

    @Test
    void holdsBackAnEmojiUntilItsLastByte() {
        int[] ids = stories.encode("🙂", false, false);
        assertThat(ids).containsExactly(410, 243, 162, 156, 133); // ▁ then the bytes F0 9F 99 82

        StreamDecoder decoder = new StreamDecoder(stories, false);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(decoder.next(id));
        }

        assertThat(pieces).containsExactly(" ", "", "", "", "🙂");
        assertThat(decoder.flush()).isEmpty();
    }

    @Test
    void neverSplitsACharacterOfRealText() {
        String text = "naïve café 日本語 🙂 👨‍👩‍👧 done";
        StreamDecoder decoder = new StreamDecoder(stories, false);
        StringBuilder out = new StringBuilder();
        for (int id : stories.encode(text, false, false)) {
            String piece = decoder.next(id);
            assertThat(piece.codePoints().allMatch(Character::isValidCodePoint)).isTrue();
            if (!piece.isEmpty()) {
                assertThat(Character.isHighSurrogate(piece.charAt(piece.length() - 1))).isFalse();
                assertThat(piece).doesNotContain("\uFFFD");
            }
            out.append(piece);
        }
        out.append(decoder.flush());

        assertThat(out.toString()).isEqualTo(" " + text);
    }

    @Test
    void anInterruptedCharacterBecomesAReplacementCharacter() {
        StreamDecoder decoder = new StreamDecoder(stories, false);

        assertThat(decoder.next(byteToken(0xF0))).isEmpty();
        assertThat(decoder.next(byteToken(0x9F))).isEmpty();
        // "a" cannot continue F0 9F: the held bytes become one U+FFFD and "a" follows at once.
        assertThat(decoder.next(stories.vocabulary().id("a"))).isEqualTo("\uFFFDa");
    }

    @Test
    void flushReplacesAnUnfinishedCharacter() {
        StreamDecoder decoder = new StreamDecoder(stories, false);

        assertThat(decoder.next(byteToken(0xE6))).isEmpty();
        assertThat(decoder.next(byteToken(0x97))).isEmpty();
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
        assertThat(decoder.flush()).isEmpty();
    }

    @Test
    void invalidBytesAreReplacedAtOnce() {
        assertThat(feed(0x80)).isEqualTo("\uFFFD");
        assertThat(feed(0xFF)).isEqualTo("\uFFFD");
        assertThat(feed(0xC0, 0x80)).as("overlong").isEqualTo("\uFFFD\uFFFD");
        assertThat(feed(0xE0, 0x80, 0x80)).as("overlong").isEqualTo("\uFFFD\uFFFD\uFFFD");
        assertThat(feed(0xED, 0xA0, 0x80)).as("surrogate").isEqualTo("\uFFFD\uFFFD\uFFFD");
        assertThat(feed(0xF4, 0x90, 0x80, 0x80)).as("above U+10FFFF").isEqualTo("\uFFFD".repeat(4));
        assertThat(feed(0xE2, 0x82, 0x41)).as("maximal subpart").isEqualTo("\uFFFDA");
        assertThat(feed(0xE2, 0x82, 0xAC)).isEqualTo("€");
        assertThat(feed(0xF4, 0x8F, 0xBF, 0xBF)).isEqualTo(new String(Character.toChars(0x10FFFF)));
    }

    @Test
    void controlTokensAreRenderedOnlyWhenAsked() {
        StreamDecoder hidden = new StreamDecoder(stories, false);
        StreamDecoder shown = new StreamDecoder(stories, true);

        assertThat(hidden.next(1)).isEmpty();
        assertThat(shown.next(1)).isEqualTo("<s>");
        assertThat(shown.next(2)).isEqualTo("</s>");
    }

    @Test
    void outputDoesNotDependOnHowBytesArriveInTokens() {
        Random random = new Random(42);
        for (int round = 0; round < 2000; round++) {
            byte[] bytes = new byte[random.nextInt(12)];
            for (int i = 0; i < bytes.length; i++) {
                // Mostly bytes that matter to UTF-8, some ASCII.
                bytes[i] = (byte) (random.nextInt(4) == 0 ? random.nextInt(0x80) : 0x80 + random.nextInt(0x80));
            }
            StreamDecoder whole = new StreamDecoder(stories, false);
            String expected = whole.accept(bytes) + whole.flush();

            StreamDecoder oneByOne = new StreamDecoder(stories, false);
            StringBuilder actual = new StringBuilder();
            for (byte b : bytes) {
                actual.append(oneByOne.next(byteToken(b & 0xFF)));
            }
            actual.append(oneByOne.flush());

            assertThat(actual.toString()).as("bytes %s", HexFormat.ofDelimiter(" ").formatHex(bytes))
                    .isEqualTo(expected);
            if (isWellFormed(bytes)) {
                assertThat(expected).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
            }
        }
    }

    private static String feed(int... bytes) {
        StreamDecoder decoder = new StreamDecoder(stories, false);
        StringBuilder out = new StringBuilder();
        for (int b : bytes) {
            out.append(decoder.next(byteToken(b)));
        }
        return out.append(decoder.flush()).toString();
    }

    private static boolean isWellFormed(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
