package dev.sift.engine.tokenizer;

import dev.sift.engine.gguf.GgufFormatException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The merge algorithm and the token-type rules, on hand-made vocabularies. */
class SentencePieceTokenizerTest {

    /** Ids of hand-made vocabularies with byte tokens start after {@code <unk>, <s>, </s>} and 256 bytes. */
    private static final int FIRST_PIECE = 3 + 256;

    @Test
    void mergesTheHighestScoringPairFirst() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens()
                .pieces("a", "b", "c")
                .piece("ab", -2)
                .piece("bc", -1)
                .tokenizerWithoutSpacePrefix();

        assertThat(texts(tokenizer, tokenizer.encode("abc", false, false))).containsExactly("a", "bc");
    }

    @Test
    void breaksScoreTiesTowardsTheLeft() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens()
                .pieces("a", "b", "c")
                .piece("ab", -1)
                .piece("bc", -1)
                .tokenizerWithoutSpacePrefix();

        assertThat(texts(tokenizer, tokenizer.encode("abc", false, false))).containsExactly("ab", "c");
    }

    @Test
    void negativeZeroTiesWithZeroAsInCpp() {
        // stories260K scores its first piece -0.0; C++ compares floats with <, so it ties with 0.0.
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens()
                .pieces("a", "b", "c")
                .piece("ab", 0f)
                .piece("bc", -0f)
                .tokenizerWithoutSpacePrefix();

        assertThat(texts(tokenizer, tokenizer.encode("abc", false, false))).containsExactly("ab", "c");
    }

    @Test
    void greedyMergesCanMissALongerToken() {
        // "bc" merges first, after which neither "abc" nor "bcd" is a token, so "abcd" is never formed.
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens()
                .pieces("a", "b", "c", "d")
                .piece("ab", -2)
                .piece("cd", -2)
                .piece("bc", -1)
                .piece("abcd", 0)
                .tokenizerWithoutSpacePrefix();

        assertThat(texts(tokenizer, tokenizer.encode("abcd", false, false))).containsExactly("a", "bc", "d");
        assertThat(texts(tokenizer, tokenizer.encode("abxcd", false, false))).containsExactly("ab", "<0x78>", "cd");
    }

    @Test
    void mergedPairsMergeFurther() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens()
                .pieces("a", "b", "c", "d")
                .piece("ab", -1)
                .piece("cd", -1)
                .piece("abcd", -5)
                .tokenizerWithoutSpacePrefix();

        assertThat(texts(tokenizer, tokenizer.encode("abcdab", false, false))).containsExactly("abcd", "ab");
    }

    @Test
    void spacesBecomeSpaceMarksAndTheTextGetsAPrefix() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens()
                .pieces("▁", "a", "b", "▁a", "▁b")
                .tokenizer();

        assertThat(texts(tokenizer, tokenizer.encode("a b", false, false))).containsExactly("▁a", "▁b");
        assertThat(texts(tokenizer, tokenizer.encode(" a", false, false))).containsExactly("▁", "▁a");
        assertThat(texts(tokenizer, tokenizer.encode("a\tb", false, false))).containsExactly("▁a", "<0x09>", "b");
    }

    @Test
    void emptyTextGivesNoTokensOrJustBos() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens().pieces("▁").tokenizer();

        assertThat(tokenizer.encode("", false, false)).isEmpty();
        assertThat(tokenizer.encode("", true, true)).containsExactly(1);
    }

    @Test
    void addSpecialAddsWhatTheVocabularyAsks() {
        Vocabulary vocabulary = TestVocabulary.withByteTokens().pieces("▁a").build();

        assertThat(new SentencePieceTokenizer(vocabulary, true, false, true).encode("a", true, false))
                .containsExactly(1, FIRST_PIECE);
        assertThat(new SentencePieceTokenizer(vocabulary, true, true, true).encode("a", true, false))
                .containsExactly(1, FIRST_PIECE, 2);
        assertThat(new SentencePieceTokenizer(vocabulary, false, true, true).encode("a", true, false))
                .containsExactly(FIRST_PIECE, 2);
        assertThat(new SentencePieceTokenizer(vocabulary, true, true, true).encode("a", false, false))
                .containsExactly(FIRST_PIECE);
    }

    @Test
    void unknownCharactersFallBackToByteTokens() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens().pieces("▁a").tokenizer();

        int[] ids = tokenizer.encode("aé", false, false);

        assertThat(texts(tokenizer, ids)).containsExactly("▁a", "<0xC3>", "<0xA9>");
        assertThat(tokenizer.decode(ids)).isEqualTo("aé");
    }

    @Test
    void withoutByteTokensAnUnknownCharacterBecomesOneUnk() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withoutByteTokens().pieces("▁a", "a").tokenizer();

        int[] ids = tokenizer.encode("aé🙂a", false, false);

        assertThat(ids).containsExactly(3, 0, 0, 4);
        assertThat(tokenizer.decode(ids)).isEqualTo("aa");
        assertThat(tokenizer.decode(ids, true)).isEqualTo("a<unk><unk>a");
    }

    @Test
    void specialTokensClaimTextLongestFirstNotLeftmostFirst() {
        // llama.cpp splits at every "abc" before it looks for "xa", so the earlier "xa" is never seen.
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens()
                .pieces("x", "b", "c")
                .add("xa", 0, Vocabulary.CONTROL)
                .add("abc", 0, Vocabulary.CONTROL)
                .tokenizerWithoutSpacePrefix();

        assertThat(texts(tokenizer, tokenizer.encode("xabc", false, true))).containsExactly("x", "abc");
        assertThat(texts(tokenizer, tokenizer.encode("xaxbc", false, true))).containsExactly("xa", "x", "b", "c");
    }

    @Test
    void parseSpecialDecidesWhetherControlTextIsAToken() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens().pieces("▁", "▁a", "a").tokenizer();

        assertThat(texts(tokenizer, tokenizer.encode("<s>a", false, false)))
                .containsExactly("▁", "<0x3C>", "<0x73>", "<0x3E>", "a");
        // Every plain run after a special token gets the space prefix again.
        assertThat(texts(tokenizer, tokenizer.encode("<s>a</s>a", false, true)))
                .containsExactly("<s>", "▁a", "</s>", "▁a");
        assertThat(texts(tokenizer, tokenizer.encode("a<s>", false, true))).containsExactly("▁a", "<s>");
    }

    @Test
    void unknownTokenTextIsParsedOnlyAsSpecial() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens().pieces("▁a").tokenizer();

        assertThat(tokenizer.encode("a<unk>", false, true)).containsExactly(FIRST_PIECE, 0);
        assertThat(tokenizer.encode("a<unk>", false, false)).hasSize(6);
    }

    @Test
    void userDefinedTokensAreSplitOutEvenWithoutParseSpecial() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens()
                .pieces("▁a", "a")
                .add("<tool>", 0, Vocabulary.USER_DEFINED)
                .tokenizer();
        int tool = FIRST_PIECE + 2;

        assertThat(tokenizer.encode("a<tool>a", false, false)).containsExactly(FIRST_PIECE, tool, FIRST_PIECE);
        assertThat(tokenizer.decode(new int[] {FIRST_PIECE, tool, FIRST_PIECE})).isEqualTo("a<tool> a");
    }

    @Test
    void longerSpecialTokensAreMatchedFirst() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens()
                .pieces("▁")
                .add("<a>", 0, Vocabulary.CONTROL)
                .add("<a><b>", 0, Vocabulary.CONTROL)
                .add("<b>", 0, Vocabulary.CONTROL)
                .tokenizer();

        assertThat(texts(tokenizer, tokenizer.encode("<a><b><b><a>", false, true)))
                .containsExactly("<a><b>", "<b>", "<a>");
    }

    @Test
    void tokenBytesFollowTheTokenType() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens()
                .pieces("▁a▁b")
                .add("<tool>", 0, Vocabulary.USER_DEFINED)
                .add("<reserved>", 0, Vocabulary.UNUSED)
                .add("▁x", 0, 0)
                .tokenizer();

        assertThat(utf8(tokenizer.tokenBytes(FIRST_PIECE, false))).isEqualTo(" a b");
        assertThat(tokenizer.tokenBytes(3 + 0xE2, false)).containsExactly(0xE2);
        assertThat(tokenizer.tokenBytes(1, false)).isEmpty();
        assertThat(utf8(tokenizer.tokenBytes(1, true))).isEqualTo("<s>");
        assertThat(tokenizer.tokenBytes(0, false)).isEmpty();
        assertThat(utf8(tokenizer.tokenBytes(0, true))).isEqualTo("<unk>");
        assertThat(utf8(tokenizer.tokenBytes(FIRST_PIECE + 1, false))).isEqualTo("<tool>");
        assertThat(tokenizer.tokenBytes(FIRST_PIECE + 2, true)).isEmpty();
        assertThat(tokenizer.tokenBytes(FIRST_PIECE + 3, true)).as("undefined type").isEmpty();
    }

    @Test
    void decodeDropsTheSpacePrefixButStreamingKeepsIt() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens().pieces("▁a", "▁").tokenizer();
        int a = FIRST_PIECE;
        int space = FIRST_PIECE + 1;

        assertThat(tokenizer.decode(new int[] {a, a})).isEqualTo("a a");
        assertThat(tokenizer.decode(new int[] {space, a})).isEqualTo(" a");
        assertThat(tokenizer.decode(new int[] {3 + ' ', a})).as("a space byte token too").isEqualTo(" a");
        // A hidden BOS renders as nothing but still uses up the one strip, as in llama.cpp.
        assertThat(tokenizer.decode(new int[] {1, a})).isEqualTo(" a");
        assertThat(tokenizer.decode(new int[] {1, a}, true)).isEqualTo("<s> a");
        assertThat(tokenizer.decode(new int[0])).isEmpty();

        StreamDecoder stream = new StreamDecoder(tokenizer, false);
        assertThat(stream.next(a) + stream.next(a) + stream.flush()).isEqualTo(" a a");

        SentencePieceTokenizer noPrefix = new SentencePieceTokenizer(tokenizer.vocabulary(), true, false, false);
        assertThat(noPrefix.decode(new int[] {a, a})).isEqualTo(" a a");
    }

    @Test
    void queriesRejectIdsOutsideTheVocabulary() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens().pieces("▁a").tokenizer();
        int size = tokenizer.vocabularySize();

        assertThat(size).isEqualTo(FIRST_PIECE + 1);
        assertThatThrownBy(() -> tokenizer.tokenBytes(size, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.tokenBytes(-1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.tokenText(size)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.isControl(size)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.isEndOfGeneration(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.decode(new int[] {size})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void describesItsSpecialTokens() {
        SentencePieceTokenizer tokenizer = TestVocabulary.withByteTokens().pieces("▁a").tokenizer();

        assertThat(tokenizer.bosId()).isEqualTo(1);
        assertThat(tokenizer.eosId()).isEqualTo(2);
        assertThat(tokenizer.addsBos()).isTrue();
        assertThat(tokenizer.isControl(1)).isTrue();
        assertThat(tokenizer.isControl(0)).isFalse();
        assertThat(tokenizer.isControl(FIRST_PIECE)).isFalse();
        assertThat(tokenizer.isEndOfGeneration(2)).isTrue();
        assertThat(tokenizer.isEndOfGeneration(1)).isFalse();
        assertThat(tokenizer.tokenText(FIRST_PIECE)).isEqualTo("▁a");
    }

    @Test
    void addingBosOrEosNeedsTheirIds() {
        TestVocabulary v = TestVocabulary.withByteTokens().pieces("▁a");
        Vocabulary noIds = new Vocabulary(v.tokens(), v.scores(), v.types(), -1, -1, 0, -1, -1, false);

        assertThatThrownBy(() -> new SentencePieceTokenizer(noIds, true, false, true))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("tokenizer.ggml.add_bos_token is true, but "
                        + "tokenizer.ggml.bos_token_id is not set");
        assertThatThrownBy(() -> new SentencePieceTokenizer(noIds, false, true, true))
                .hasMessageContaining("tokenizer.ggml.add_eos_token is true");
        assertThat(new SentencePieceTokenizer(noIds, false, false, true).encode("a", true, false))
                .containsExactly(FIRST_PIECE);
    }

    @Test
    void aVocabularyWithoutByteTokensNeedsAnUnknownToken() {
        TestVocabulary v = TestVocabulary.withoutByteTokens().pieces("▁a");
        Vocabulary noUnk = new Vocabulary(v.tokens(), v.scores(), v.types(), 1, 2, -1, -1, -1, false);

        assertThatThrownBy(() -> new SentencePieceTokenizer(noUnk, true, false, true))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("no token for byte 0x00 and no unknown token");
    }

    private static String[] texts(Tokenizer tokenizer, int[] ids) {
        String[] texts = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            texts[i] = tokenizer.tokenText(ids[i]);
        }
        return texts;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
