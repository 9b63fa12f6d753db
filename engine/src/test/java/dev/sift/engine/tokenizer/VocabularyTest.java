package dev.sift.engine.tokenizer;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VocabularyTest {

    @TempDir
    Path dir;

    @Test
    void readsStories260K() {
        Vocabulary vocabulary = TestVocabulary.shared("stories260K.gguf").vocabulary();

        assertThat(vocabulary.size()).isEqualTo(512);
        assertThat(vocabulary.bos()).isEqualTo(1);
        assertThat(vocabulary.eos()).isEqualTo(2);
        assertThat(vocabulary.unk()).isEqualTo(0);
        assertThat(vocabulary.eot()).isEqualTo(-1);
        assertThat(vocabulary.eom()).isEqualTo(-1);
        assertThat(vocabulary.text(0)).isEqualTo("<unk>");
        assertThat(vocabulary.type(0)).isEqualTo(Vocabulary.UNKNOWN);
        assertThat(vocabulary.type(1)).isEqualTo(Vocabulary.CONTROL);
        assertThat(vocabulary.text(13)).isEqualTo("<0x0A>");
        assertThat(vocabulary.type(13)).isEqualTo(Vocabulary.BYTE);
        assertThat(vocabulary.byteValue(13)).isEqualTo(0x0A);
        assertThat(vocabulary.text(259)).isEqualTo("▁t");
        assertThat(vocabulary.score(260)).isEqualTo(-1f);
        assertThat(vocabulary.id("▁t")).isEqualTo(259);
        assertThat(vocabulary.id("no such token")).isEqualTo(-1);
        assertThat(vocabulary.isEndOfGeneration(2)).isTrue();
        assertThat(vocabulary.isEndOfGeneration(1)).isFalse();
    }

    @Test
    void scoresMustMatchTokens() {
        TestVocabulary v = TestVocabulary.withoutByteTokens().pieces("a", "b");
        float[] scores = new float[v.tokens().length - 1];

        assertThatThrownBy(() -> new Vocabulary(v.tokens(), scores, v.types(), 1, 2, 0, -1, -1, false))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.scores' has 4 entries")
                .hasMessageContaining("'tokenizer.ggml.tokens' has 5");
    }

    @Test
    void tokenTypesMustMatchTokens() {
        TestVocabulary v = TestVocabulary.withoutByteTokens().pieces("a", "b");
        int[] types = new int[v.tokens().length + 3];

        assertThatThrownBy(() -> new Vocabulary(v.tokens(), v.scores(), types, 1, 2, 0, -1, -1, false))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.token_type' has 8 entries");
    }

    @Test
    void mismatchedArraysInAFileAreRejected() throws IOException {
        TestVocabulary v = TestVocabulary.withoutByteTokens().pieces("a", "b");
        Path file = TinyGguf.spm(v.tokens(), new float[] {0, 0}, v.types()).write(dir.resolve("short-scores.gguf"));

        assertThatThrownBy(() -> load(file))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("tokenizer.ggml.scores");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<0x-1>", "<0xZZ>", "<0x1FF>", "<0x4>", "<0X41>", "0x41", "<0x41", "<0x4G>", ""})
    void byteTokensMustSpellOneByte(String text) {
        TestVocabulary v = TestVocabulary.withoutByteTokens().add(text, 0, Vocabulary.BYTE);

        assertThatThrownBy(v::build)
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("byte token 3")
                .hasMessageContaining("'" + (text.isEmpty() ? "[EMPTY_3]" : text) + "'");
    }

    @Test
    void byteTokensMayUseLowerCaseHex() {
        Vocabulary vocabulary = TestVocabulary.withoutByteTokens().add("<0xfe>", 0, Vocabulary.BYTE).build();

        assertThat(vocabulary.byteValue(3)).isEqualTo(0xFE);
    }

    @Test
    void specialIdsMustLieInTheVocabulary() {
        TestVocabulary v = TestVocabulary.withoutByteTokens().pieces("a");
        String[] tokens = v.tokens();
        float[] scores = v.scores();
        int[] types = v.types();

        assertThatThrownBy(() -> new Vocabulary(tokens, scores, types, 4, 2, 0, -1, -1, false))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.bos_token_id' = 4")
                .hasMessageContaining("4 tokens");
        assertThatThrownBy(() -> new Vocabulary(tokens, scores, types, 1, 7, 0, -1, -1, false))
                .hasMessageContaining("'tokenizer.ggml.eos_token_id' = 7");
        assertThatThrownBy(() -> new Vocabulary(tokens, scores, types, 1, 2, -3, -1, -1, false))
                .hasMessageContaining("'tokenizer.ggml.unknown_token_id' = -3");
        assertThatThrownBy(() -> new Vocabulary(tokens, scores, types, 1, 2, 0, 100, -1, false))
                .hasMessageContaining("'tokenizer.ggml.eot_token_id' = 100");
        assertThatThrownBy(() -> new Vocabulary(tokens, scores, types, 1, 2, 0, -1, 4, false))
                .hasMessageContaining("'tokenizer.ggml.eom_token_id' = 4");
    }

    @Test
    void specialIdOutOfRangeInAFileIsRejected() throws IOException {
        TestVocabulary v = TestVocabulary.withoutByteTokens().pieces("a");
        Path file = TinyGguf.spm(v.tokens(), v.scores(), v.types())
                .put("tokenizer.ggml.eos_token_id", 9999)
                .write(dir.resolve("bad-eos.gguf"));

        assertThatThrownBy(() -> load(file))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.eos_token_id' = 9999");
    }

    @Test
    void missingSpecialIdsTakeLlamaCppDefaults() throws IOException {
        TestVocabulary v = TestVocabulary.withoutByteTokens().pieces("a");
        Path file = TinyGguf.spm(v.tokens(), v.scores(), v.types())
                .put("tokenizer.ggml.bos_token_id", -1) // written as 0xFFFFFFFF: "unset"
                .write(dir.resolve("defaults.gguf"));

        Vocabulary vocabulary = load(file).vocabulary();

        assertThat(vocabulary.bos()).isEqualTo(1);
        assertThat(vocabulary.eos()).isEqualTo(2);
        assertThat(vocabulary.unk()).isEqualTo(0);
        assertThat(vocabulary.eot()).isEqualTo(-1);
    }

    @Test
    void defaultIdsOutsideATinyVocabularyAreDropped() throws IOException {
        Path file = TinyGguf.spm(new String[] {"<unk>", "<s>"}, new float[2], new int[] {2, 3})
                .write(dir.resolve("tiny.gguf"));

        SentencePieceTokenizer tokenizer = load(file);

        assertThat(tokenizer.bosId()).isEqualTo(1);
        assertThat(tokenizer.eosId()).isEqualTo(-1);
    }

    @Test
    void missingScoresAndTypesDefaultLikeLlamaCpp() throws IOException {
        Path file = TinyGguf.spm(new String[] {"<unk>", "<s>", "</s>", "a"}, null, null)
                .remove("tokenizer.ggml.scores")
                .remove("tokenizer.ggml.token_type")
                .write(dir.resolve("bare.gguf"));

        Vocabulary vocabulary = load(file).vocabulary();

        assertThat(vocabulary.score(3)).isZero();
        assertThat(vocabulary.type(3)).isEqualTo(Vocabulary.NORMAL);
        assertThat(vocabulary.type(1)).isEqualTo(Vocabulary.NORMAL);
    }

    @Test
    void missingTokenListIsReported() throws IOException {
        Path file = TinyGguf.spm(new String[0], new float[0], new int[0])
                .remove("tokenizer.ggml.tokens")
                .write(dir.resolve("no-tokens.gguf"));

        assertThatThrownBy(() -> load(file))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.tokens' is missing");
    }

    @Test
    void emptyTokenListIsReported() {
        assertThatThrownBy(() -> new Vocabulary(new String[0], null, null, -1, -1, -1, -1, -1, false))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.tokens' is empty");
    }

    @Test
    void scoresOfAnotherElementTypeAreRejected() throws IOException {
        TestVocabulary v = TestVocabulary.withoutByteTokens().pieces("a");
        Path file = TinyGguf.spm(v.tokens(), null, v.types())
                .put("tokenizer.ggml.scores", new int[] {0, 0, 0, 0})
                .write(dir.resolve("int-scores.gguf"));

        assertThatThrownBy(() -> load(file))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("tokenizer.ggml.scores");
    }

    @Test
    void emptyTokenTextsAreRenamedAsInLlamaCpp() {
        Vocabulary vocabulary = TestVocabulary.withoutByteTokens().pieces("a", "").build();

        assertThat(vocabulary.text(4)).isEqualTo("[EMPTY_4]");
        assertThat(vocabulary.id("[EMPTY_4]")).isEqualTo(4);
    }

    @Test
    void repeatedTokenTextsAreRejected() {
        TestVocabulary v = TestVocabulary.withoutByteTokens().pieces("a", "b", "a");

        assertThatThrownBy(v::build)
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("repeats the token 'a' (ids 3 and 5)");
    }

    @Test
    void endOfTurnTextsEndGenerationAndBecomeControlTokens() {
        Vocabulary vocabulary = TestVocabulary.withoutByteTokens()
                .pieces("a", "<|end|>")
                .add("<|eot_id|>", 0, Vocabulary.USER_DEFINED)
                .build();

        assertThat(vocabulary.isEndOfGeneration(4)).isTrue();
        assertThat(vocabulary.type(4)).isEqualTo(Vocabulary.CONTROL);
        assertThat(vocabulary.isEndOfGeneration(5)).isTrue();
        assertThat(vocabulary.type(5)).isEqualTo(Vocabulary.CONTROL);
        assertThat(vocabulary.isEndOfGeneration(3)).isFalse();
    }

    @Test
    void endOfTurnAndEndOfMessageIdsEndGeneration() {
        TestVocabulary v = TestVocabulary.withoutByteTokens().pieces("a", "b");
        Vocabulary vocabulary = new Vocabulary(v.tokens(), v.scores(), v.types(), 1, 2, 0, 3, 4, false);

        assertThat(vocabulary.isEndOfGeneration(2)).isTrue();
        assertThat(vocabulary.isEndOfGeneration(3)).isTrue();
        assertThat(vocabulary.isEndOfGeneration(4)).isTrue();
        assertThat(vocabulary.isEndOfGeneration(1)).isFalse();
    }

    @Test
    void phi3FilesStripSpaceAfterMostSpecialTokens() {
        Vocabulary phi3 = TestVocabulary.shared("vocab/ggml-vocab-phi-3.gguf").vocabulary();

        assertThat(phi3.stripsSpaceAfter(phi3.id("<|user|>"))).isTrue();
        assertThat(phi3.stripsSpaceAfter(phi3.id("<|end|>"))).isTrue();
        assertThat(phi3.stripsSpaceAfter(phi3.id("</s>"))).isTrue();
        assertThat(phi3.stripsSpaceAfter(phi3.id("<s>"))).isFalse();
        assertThat(phi3.stripsSpaceAfter(phi3.id("<|endoftext|>"))).isFalse();
        assertThat(phi3.stripsSpaceAfter(phi3.id("▁the"))).isFalse();

        Vocabulary llama = TestVocabulary.shared("vocab/ggml-vocab-llama-spm.gguf").vocabulary();
        assertThat(llama.stripsSpaceAfter(llama.id("</s>"))).isFalse();
    }

    private static SentencePieceTokenizer load(Path path) throws IOException {
        try (GgufFile file = GgufFile.open(path)) {
            return SentencePieceTokenizer.fromGguf(file);
        }
    }
}
