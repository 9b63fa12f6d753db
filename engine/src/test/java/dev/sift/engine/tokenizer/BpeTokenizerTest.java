package dev.sift.engine.tokenizer;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Merging, byte-level spelling, special tokens, decoding and the metadata rules of the byte-level BPE
 * tokenizer, on hand-made vocabularies: the 256 characters of GPT-2's byte alphabet (token id = byte
 * value, so {@code a} is 97 and a space {@code Ġ} is 32), then the tokens a test adds.
 */
class BpeTokenizerTest {

    private static final int FIRST_ADDED = 256;

    @Test
    void mergesByRankNotByPosition() {
        assertThat(texts(tokenizer("gpt-2", List.of("ab", "bc"), "b c", "a b"), "abc")).containsExactly("a", "bc");
        assertThat(texts(tokenizer("gpt-2", List.of("ab", "bc"), "a b", "b c"), "abc")).containsExactly("ab", "c");
    }

    @Test
    void equalRanksMergeLeftmostFirst() {
        assertThat(texts(tokenizer("gpt-2", List.of("aa"), "a a"), "aaa")).containsExactly("aa", "a");
    }

    @Test
    void mergedSymbolsMergeFurther() {
        BpeTokenizer tokenizer = tokenizer("gpt-2", List.of("ab", "abc"), "a b", "ab c");

        assertThat(texts(tokenizer, "abcab")).containsExactly("abc", "ab");
    }

    @Test
    void aRepeatedMergeKeepsItsFirstRank() {
        // As llama.cpp's map emplace: were the last "b c" to count, "a b" would merge first.
        BpeTokenizer tokenizer = tokenizer("gpt-2", List.of("ab", "bc"), "b c", "a b", "b c");

        assertThat(texts(tokenizer, "abc")).containsExactly("a", "bc");
    }

    @Test
    void mergesNeverCrossWords() {
        BpeTokenizer tokenizer = tokenizer("gpt-2", List.of("ab", "bĠ", "Ġa", "Ġab"), "b Ġ", "Ġ a", "a b", "Ġa b");

        assertThat(texts(tokenizer, "ab ab")).containsExactly("ab", "Ġab");
    }

    @Test
    void llama3EmitsAWordThatIsATokenWithoutMerging() {
        // "abc" cannot be reached by merges here, but Llama 3 (ignore_merges) takes the whole word.
        List<String> tokens = List.of("ab", "abc");

        assertThat(texts(tokenizer("llama-bpe", tokens, "a b"), "abc ab")).containsExactly("abc", "Ġ", "ab");
        assertThat(texts(tokenizer("qwen2", tokens, "a b"), "abc ab")).containsExactly("ab", "c", "Ġ", "ab");
    }

    @Test
    void bytesAreSpelledInTheGpt2Alphabet() {
        BpeTokenizer tokenizer = tokenizer("qwen2", List.of());

        int[] ids = tokenizer.encode("é 🙂\n", false, false);

        assertThat(texts(tokenizer, ids)).containsExactly("Ã", "©", "Ġ", "ð", "Ł", "Ļ", "Ĥ", "Ċ");
        assertThat(ids).containsExactly(0xC3, 0xA9, ' ', 0xF0, 0x9F, 0x99, 0x82, '\n');
        assertThat(tokenizer.decode(ids)).isEqualTo("é 🙂\n");
    }

    @Test
    void aLoneSurrogateIsEncodedAsTheReplacementCharacter() {
        BpeTokenizer tokenizer = tokenizer("qwen2", List.of());

        assertThat(tokenizer.encode("a\uD800", false, false)).containsExactly('a', 0xEF, 0xBF, 0xBD);
    }

    @Test
    void aByteMissingFromTheVocabularyIsDropped() {
        // llama.cpp looks such a symbol's bytes up one by one as token texts, which never matches.
        List<String> tokens = new ArrayList<>(alphabet());
        tokens.remove("z");
        Vocabulary vocabulary = new Vocabulary(tokens.toArray(String[]::new), null, null, -1, -1, -1, -1, -1, false);
        BpeTokenizer tokenizer = new BpeTokenizer(vocabulary, new String[0], "gpt-2", false, false);

        assertThat(tokenizer.decode(tokenizer.encode("azaz", false, false))).isEqualTo("aa");
    }

    @Test
    void aMergeMustBeTwoTokensThatJoinIntoAThird() {
        assertThatThrownBy(() -> tokenizer("gpt-2", List.of("ab"), "a b", "ab"))
                .isInstanceOf(GgufFormatException.class)
                .hasMessage("metadata 'tokenizer.ggml.merges' entry 1 'ab' is not two tokens separated by a space");
        assertThatThrownBy(() -> tokenizer("gpt-2", List.of("xyz"), "xy z"))
                .isInstanceOf(GgufFormatException.class)
                .hasMessage("metadata 'tokenizer.ggml.merges' entry 0 'xy z' has the part 'xy', "
                        + "which is not in the vocabulary");
        assertThatThrownBy(() -> tokenizer("gpt-2", List.of("ab"), "a b", "b c"))
                .isInstanceOf(GgufFormatException.class)
                .hasMessage("metadata 'tokenizer.ggml.merges' entry 1 'b c' joins into 'bc', "
                        + "which is not in the vocabulary");
        assertThatThrownBy(() -> tokenizer("gpt-2", List.of(), "a "))
                .hasMessageContaining("entry 0 'a ' has the part '', which is not in the vocabulary");
    }

    @Test
    void anUnknownPreTokenizerIsRejectedByName() {
        assertThatThrownBy(() -> tokenizer("llama4", List.of()))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageStartingWith("tokenizer.ggml.pre 'llama4' is not supported (supported: ")
                .hasMessageContaining("llama-bpe")
                .hasMessageContaining("qwen2")
                .hasMessageContaining("smollm")
                .hasMessageContaining("gpt-2")
                .hasMessageContaining("default");
    }

    @Test
    void specialTokensAreSplitOutAndNeedNoSpacePrefix() {
        BpeTokenizer tokenizer = tokenizer("llama-bpe", List.of("<|eot_id|>", "<tool>"));
        int eot = FIRST_ADDED;
        int tool = FIRST_ADDED + 1;

        assertThat(tokenizer.encode("a<|eot_id|>b", false, true)).containsExactly('a', eot, 'b');
        assertThat(tokenizer.encode("a<|eot_id|>", false, false)).hasSize(11);
        assertThat(tokenizer.encode("<tool>a", false, false)).as("user-defined").containsExactly(tool, 'a');
        assertThat(tokenizer.addsSpacePrefix()).isFalse();
    }

    @Test
    void tokenBytesFollowTheTokenType() {
        BpeTokenizer tokenizer = tokenizer("gpt-2", List.of("Ġhi", "<|eot_id|>", "<tool>", "<unused>", "<0x41>", "a€"));
        int id = FIRST_ADDED;

        assertThat(utf8(tokenizer.tokenBytes(id, false))).isEqualTo(" hi");
        assertThat(tokenizer.tokenBytes(id + 1, false)).isEmpty();
        assertThat(utf8(tokenizer.tokenBytes(id + 1, true))).isEqualTo("<|eot_id|>");
        assertThat(utf8(tokenizer.tokenBytes(id + 2, false))).isEqualTo("<tool>");
        assertThat(tokenizer.tokenBytes(id + 3, true)).isEmpty();
        assertThat(tokenizer.tokenBytes(id + 4, false)).containsExactly('A');
        // A normal token with a character outside the byte alphabet, as llama.cpp renders it.
        assertThat(utf8(tokenizer.tokenBytes(id + 5, false))).isEqualTo("a[UNK_BYTE_0xe282aca€]");
        assertThat(tokenizer.isControl(id + 1)).isTrue();
        assertThat(tokenizer.isEndOfGeneration(id + 1)).isTrue();
        assertThat(tokenizer.isControl(id + 2)).isFalse();
    }

    @Test
    void decodeCleansUpSpacesAsLlamaCppUnlessThePreTokenizerIsExempt() {
        // Both expectations are what llama.cpp's llama_detokenize returns for these tokens.
        String text = "He 's here , right ? I ' m ok . Isn 't it ! We 're , you 've ' quoted ' text 'll 'd a ' ' b";

        BpeTokenizer llama3 = tokenizer("llama-bpe", List.of());
        assertThat(llama3.decode(llama3.encode(text, false, false)))
                .isEqualTo("He's here, right? I'm ok. Isn 't it! We're, you've'quoted'text 'll 'd a'' b");
        BpeTokenizer qwen2 = tokenizer("qwen2", List.of());
        assertThat(qwen2.decode(qwen2.encode(text, false, false))).isEqualTo(text);
        // Streaming leaves the text alone.
        StreamDecoder stream = new StreamDecoder(llama3, false);
        StringBuilder streamed = new StringBuilder();
        for (int token : llama3.encode(text, false, false)) {
            streamed.append(stream.next(token));
        }
        assertThat(streamed.append(stream.flush())).hasToString(text);
    }

    @Test
    void addSpecialAddsWhatTheVocabularyAsks() {
        Vocabulary vocabulary = vocabulary(List.of("<s>", "</s>"), FIRST_ADDED, FIRST_ADDED + 1);

        assertThat(new BpeTokenizer(vocabulary, new String[0], "qwen2", true, true).encode("a", true, false))
                .containsExactly(FIRST_ADDED, 'a', FIRST_ADDED + 1);
        assertThat(new BpeTokenizer(vocabulary, new String[0], "qwen2", false, false).encode("a", true, false))
                .containsExactly('a');
        assertThat(new BpeTokenizer(vocabulary, new String[0], "qwen2", true, true).encode("a", false, false))
                .containsExactly('a');
        Vocabulary noIds = vocabulary(List.of(), -1, -1);
        assertThatThrownBy(() -> new BpeTokenizer(noIds, new String[0], "llama-bpe", true, false))
                .isInstanceOf(GgufFormatException.class)
                .hasMessage("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
    }

    @Test
    void fromGgufTakesLlamaCppsDefaultsForEachPreTokenizer(@TempDir Path dir) throws IOException {
        // Without add_bos_token, Llama 3 adds BOS and Qwen2 and GPT-2 do not; BOS and EOS default to 11.
        assertThat(load(gguf("llama-bpe"), dir).addsBos()).isTrue();
        assertThat(load(gguf("qwen2"), dir).addsBos()).isFalse();
        assertThat(load(gguf("gpt-2"), dir).addsBos()).isFalse();
        assertThat(load(gguf("qwen2").put("tokenizer.ggml.add_bos_token", true), dir).addsBos()).isTrue();
        assertThat(load(gguf("llama-bpe").put("tokenizer.ggml.add_bos_token", false), dir).addsBos()).isFalse();
        BpeTokenizer tokenizer = load(gguf("llama-bpe"), dir);
        assertThat(tokenizer.bosId()).isEqualTo(11);
        assertThat(tokenizer.eosId()).isEqualTo(11);
        assertThat(tokenizer.vocabulary().unk()).isEqualTo(-1);
        assertThat(tokenizer.encode("a", true, false)).containsExactly(11, 'a');
    }

    @Test
    void withoutAPreTokenizerLlamaCppsDefaultIsUsed(@TempDir Path dir) throws IOException {
        // The default cuts "12345" into "123" and "45"; GPT-2's keeps it whole, so "3 4" can merge.
        TinyGguf file = gguf("gpt-2", "34").put("tokenizer.ggml.merges", new String[] {"3 4"});

        assertThat(load(file, dir).encode("12345", false, false)).containsExactly('1', '2', FIRST_ADDED, '5');
        assertThat(load(file.remove("tokenizer.ggml.pre"), dir).encode("12345", false, false))
                .containsExactly('1', '2', '3', '4', '5');
        assertThat(load(file.put("tokenizer.ggml.pre", ""), dir).encode("12345", false, false))
                .containsExactly('1', '2', '3', '4', '5');
    }

    @Test
    void fromGgufNeedsMergesAndASupportedPreTokenizer(@TempDir Path dir) {
        assertThatThrownBy(() -> load(gguf("llama-bpe").remove("tokenizer.ggml.merges"), dir))
                .isInstanceOf(GgufFormatException.class)
                .hasMessage("metadata 'tokenizer.ggml.merges' is missing");
        assertThatThrownBy(() -> load(gguf("gpt2"), dir))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageStartingWith("tokenizer.ggml.pre 'gpt2' is not supported");
    }

    @Test
    void theGenericFactoryDispatchesOnTheModel(@TempDir Path dir) throws IOException {
        try (GgufFile file = GgufFile.open(gguf("qwen2").write(dir.resolve("bpe.gguf")))) {
            assertThat(Tokenizer.fromGguf(file)).isInstanceOf(BpeTokenizer.class);
        }
        try (GgufFile file = GgufFile.open(gguf("qwen2").put("tokenizer.ggml.model", "bert")
                .write(dir.resolve("bert.gguf")))) {
            assertThatThrownBy(() -> Tokenizer.fromGguf(file))
                    .isInstanceOf(GgufFormatException.class)
                    .hasMessage("tokenizer.ggml.model 'bert' is not supported (supported: llama, gpt2)");
        }
    }

    @Test
    void queriesRejectIdsOutsideTheVocabulary() {
        BpeTokenizer tokenizer = tokenizer("gpt-2", List.of());

        assertThat(tokenizer.vocabularySize()).isEqualTo(256);
        assertThatThrownBy(() -> tokenizer.tokenBytes(256, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.tokenText(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.decode(new int[] {256})).isInstanceOf(IllegalArgumentException.class);
    }

    /** The byte alphabet in byte order, so that each character's id is the byte it spells. */
    private static List<String> alphabet() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
        }
        return tokens;
    }

    private static String[] tokens(List<String> added) {
        List<String> tokens = new ArrayList<>(alphabet());
        tokens.addAll(added);
        return tokens.toArray(String[]::new);
    }

    /**
     * The alphabet plus added tokens, typed by their text: {@code <|…|>} control, {@code <unused>}
     * unused, {@code <0xHH>} byte, other {@code <…>} user-defined, the rest normal.
     */
    private static Vocabulary vocabulary(List<String> added, int bos, int eos) {
        String[] tokens = tokens(added);
        int[] types = new int[tokens.length];
        for (int id = 0; id < tokens.length; id++) {
            String text = tokens[id];
            types[id] = text.startsWith("<|") ? Vocabulary.CONTROL
                    : text.equals("<unused>") ? Vocabulary.UNUSED
                    : text.startsWith("<0x") ? Vocabulary.BYTE
                    : text.startsWith("<") && text.length() > 1 ? Vocabulary.USER_DEFINED
                    : Vocabulary.NORMAL;
        }
        return new Vocabulary(tokens, null, types, bos, eos, -1, -1, -1, false);
    }

    private static BpeTokenizer tokenizer(String pre, List<String> added, String... merges) {
        return new BpeTokenizer(vocabulary(added, -1, -1), merges, pre, false, false);
    }

    /** A vocabulary-only GGUF file: the alphabet and the added tokens, all normal, and no merges. */
    private static TinyGguf gguf(String pre, String... added) {
        String[] tokens = tokens(List.of(added));
        int[] types = new int[tokens.length];
        Arrays.fill(types, Vocabulary.NORMAL);
        return new TinyGguf()
                .put("general.architecture", "llama")
                .put("tokenizer.ggml.model", "gpt2")
                .put("tokenizer.ggml.pre", pre)
                .put("tokenizer.ggml.tokens", tokens)
                .put("tokenizer.ggml.token_type", types)
                .put("tokenizer.ggml.merges", new String[0]);
    }

    private static BpeTokenizer load(TinyGguf gguf, Path dir) throws IOException {
        try (GgufFile file = GgufFile.open(gguf.write(dir.resolve("vocab.gguf")))) {
            return BpeTokenizer.fromGguf(file);
        }
    }

    private static String[] texts(Tokenizer tokenizer, String text) {
        return texts(tokenizer, tokenizer.encode(text, false, false));
    }

    private static String[] texts(Tokenizer tokenizer, int[] ids) {
        return Arrays.stream(ids).mapToObj(tokenizer::tokenText).toArray(String[]::new);
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
