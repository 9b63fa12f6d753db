package dev.sift.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Text that is not valid Unicode reaches the tokenizers: unpaired UTF-16 surrogates in a Java string,
 * and invalid UTF-8 as Java decodes it (each bad sequence becomes U+FFFD). Encoding must not throw,
 * every id must be in the vocabulary, and the valid text around the fault must come back decoded.
 */
class InvalidTextTest {

    static List<Tokenizer> tokenizers() {
        return List.of(TestVocabulary.shared("stories260K.gguf"), TestVocabulary.shared("vocab/ggml-vocab-llama-spm.gguf"),
                TestVocabulary.sharedBpe("vocab/ggml-vocab-llama-bpe.gguf"), TestVocabulary.sharedBpe("vocab/ggml-vocab-qwen2.gguf"));
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void loneSurrogatesEncodeAndTheValidTextRoundTrips(Tokenizer tokenizer) {
        for (String text : List.of("once \uD800 upon", "time \uDC00", "\uDBFF", "a\uDC00\uD800b")) {
            String decoded = decode(tokenizer, text);
            for (String valid : text.split("[\uD800-\uDFFF]")) {
                assertThat(decoded).as("%s decoded by %s", text, tokenizer).contains(valid.strip());
            }
            assertThat(decoded).doesNotContain("\uD800", "\uDC00", "\uDBFF");
        }
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void invalidUtf8DecodedByJavaRoundTripsWithReplacementCharacters(Tokenizer tokenizer) {
        byte[] bytes = {'o', 'n', 'c', 'e', ' ', (byte) 0xC3, ' ', 'u', 'p', (byte) 0xFF, (byte) 0xE2, (byte) 0x82, '!'};
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertThat(text).contains("\uFFFD");
        assertThat(decode(tokenizer, text).strip()).isEqualTo(text);
    }

    private static String decode(Tokenizer tokenizer, String text) {
        int[] ids = tokenizer.encode(text, false, false);
        assertThat(ids).isNotEmpty();
        for (int id : ids) {
            assertThat(id).isBetween(0, tokenizer.vocabularySize() - 1);
        }
        return tokenizer.decode(ids);
    }
}
