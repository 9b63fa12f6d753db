package dev.sift.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the tokenizers: {@link Tokenizer#encode} on arbitrary text (lone surrogates included) with
 * arbitrary flags must not throw and must return ids inside the vocabulary, and decoding those ids
 * must not throw either.
 *
 * <p>Input layout: the first byte picks the flags and the vocabulary (bit 0 {@code addSpecial}, bit 1
 * {@code parseSpecial}, bits 2-3 the vocabulary: stories260K (SentencePiece), llama-bpe, qwen2,
 * llama-spm; bit 7 set reads the rest as UTF-8, clear as UTF-16LE code units, so that unpaired
 * surrogates reach the tokenizer).
 *
 * <p>In the normal test run Jazzer only replays the seeds under
 * {@code src/test/resources/dev/sift/engine/tokenizer/TokenizerFuzzTestInputs/} (regression mode).
 * A long fuzzing run, from the repository root:
 *
 * <pre>{@code
 * JAZZER_FUZZ=1 ./mvnw -pl engine test -Dtest=TokenizerFuzzTest
 * }</pre>
 * (for {@code maxDuration} below). A finding is written as a {@code crash-*} file; copy it into that
 * Inputs folder so that every later normal run replays it.
 *
 * <p><b>JDK 25 caveat</b> (see the surefire settings in {@code engine/pom.xml}). Jazzer 0.24.0 cannot instrument Java 25 class files (its ASM stops at
 * version 68), so a {@code JAZZER_FUZZ=1} run is not coverage-guided. Until it can,
 * {@link #randomTextNeverBreaksATokenizer} feeds the target deterministic random inputs in every
 * normal build: 1,500 rounds, or any number from the repository root with
 *
 * <pre>{@code
 * ./mvnw -pl engine test -Dtest='TokenizerFuzzTest#random*' -Dsift.fuzz.rounds=100000 [-Dsift.fuzz.seed=N]
 * }</pre>
 */
class TokenizerFuzzTest {

    private static final String[] VOCABULARIES = {"stories260K.gguf", "vocab/ggml-vocab-llama-bpe.gguf",
            "vocab/ggml-vocab-qwen2.gguf", "vocab/ggml-vocab-llama-spm.gguf"};

    @FuzzTest(maxDuration = "10m")
    void encodeAndDecodeNeverThrow(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int flags = input[0] & 0xFF;
        boolean addSpecial = (flags & 1) != 0;
        boolean parseSpecial = (flags & 2) != 0;
        int vocabulary = (flags >> 2) & 3;
        byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        String text = (flags & 0x80) != 0 ? new String(rest, StandardCharsets.UTF_8) : utf16(rest);
        Tokenizer tokenizer = vocabulary == 1 || vocabulary == 2
                ? TestVocabulary.sharedBpe(VOCABULARIES[vocabulary])
                : TestVocabulary.shared(VOCABULARIES[vocabulary]);

        int[] ids = tokenizer.encode(text, addSpecial, parseSpecial);

        for (int id : ids) {
            assertThat(id).as("token id").isBetween(0, tokenizer.vocabularySize() - 1);
        }
        tokenizer.decode(ids);
        tokenizer.decode(ids, true);
        for (int id : ids) {
            tokenizer.tokenText(id);
        }
    }

    /** Pieces random text is built from: specials of each vocabulary, spaces, digits, accents, emoji, surrogates. */
    private static final String[] PIECES = {"<s>", "</s>", "<unk>", "<|endoftext|>", "<|im_start|>", "<|begin_of_text|>",
            " ", "  ", "\n", "\t", "\r\n", "a", "Once", " upon", "'s", "'ll", "123", "4567", "é", "ü", "日本", "🦙", "\u200d",
            "\uFFFD", "\uD800", "\uDC00", "\uDBFF\uDFFF", "\u0000", "<", ">", "|", "▁", "Ġ", ".", "!?", "\u00a0"};

    /**
     * The fallback while Jazzer cannot instrument Java 25 classes: seeded random inputs, half built from
     * {@link #PIECES} (to reach special-token parsing and merges), half random code units and bytes.
     */
    @Test
    void randomTextNeverBreaksATokenizer() {
        Random random = new Random(Long.getLong("sift.fuzz.seed", 20_261_127));
        int rounds = Integer.getInteger("sift.fuzz.rounds", 1500);
        for (int round = 0; round < rounds; round++) {
            int flags = random.nextInt(256);
            byte[] text;
            if (random.nextBoolean()) {
                StringBuilder builder = new StringBuilder();
                for (int n = random.nextInt(12); n > 0; n--) {
                    builder.append(PIECES[random.nextInt(PIECES.length)]);
                }
                flags &= 0x7F;
                text = utf16le(builder.toString());
            } else {
                text = new byte[random.nextInt(64)];
                random.nextBytes(text);
            }
            byte[] input = new byte[text.length + 1];
            input[0] = (byte) flags;
            System.arraycopy(text, 0, input, 1, text.length);
            try {
                encodeAndDecodeNeverThrow(input);
            } catch (RuntimeException | Error e) {
                throw new AssertionError("round " + round + ": " + java.util.HexFormat.of().formatHex(input), e);
            }
        }
    }

    private static byte[] utf16le(String text) {
        byte[] bytes = new byte[text.length() * 2];
        for (int i = 0; i < text.length(); i++) {
            bytes[2 * i] = (byte) text.charAt(i);
            bytes[2 * i + 1] = (byte) (text.charAt(i) >> 8);
        }
        return bytes;
    }

    /** UTF-16LE code units as they come, unpaired surrogates included (an odd last byte is dropped). */
    private static String utf16(byte[] bytes) {
        char[] chars = new char[bytes.length / 2];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) ((bytes[2 * i] & 0xFF) | (bytes[2 * i + 1] & 0xFF) << 8);
        }
        return new String(chars);
    }
}
