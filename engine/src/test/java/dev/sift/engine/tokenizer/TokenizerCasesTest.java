package dev.sift.engine.tokenizer;

import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's tokenization of tricky strings with the vocabularies of the synthetic models, from
 * {@code shared/models/synthetic/tokenizer-cases.json}: kind {@code spm} (stories260K's vocabulary)
 * and kinds {@code llama-bpe} and {@code qwen2} (GPT-2's byte-level vocabulary cut to 1536 merges,
 * with Llama 3 and Qwen2 pre-tokenizers and special tokens). Each kind is checked on every model file
 * the JSON says shares it.
 */
class TokenizerCasesTest {

    /** End-of-generation ids as the synthetic README lists them for each BPE kind. */
    private static final Map<String, int[]> END_OF_GENERATION = Map.of(
            "llama-bpe", new int[] {1793, 1796},
            "qwen2", new int[] {1792, 1794});

    @TestFactory
    Stream<DynamicContainer> spmCases() throws IOException {
        return cases("spm", "tiny-llama-f32.gguf", file -> TestVocabulary.shared("synthetic/" + file));
    }

    @TestFactory
    Stream<DynamicContainer> llamaBpeCases() throws IOException {
        return cases("llama-bpe", "tiny-llama3-f32.gguf", file -> TestVocabulary.sharedBpe("synthetic/" + file));
    }

    @TestFactory
    Stream<DynamicContainer> qwen2Cases() throws IOException {
        return cases("qwen2", "tiny-qwen3-f32.gguf", file -> TestVocabulary.sharedBpe("synthetic/" + file));
    }

    private static Stream<DynamicContainer> cases(String kind, String someFile, Function<String, Tokenizer> load)
            throws IOException {
        Map<String, Object> entry = kind(kind);
        List<Map<String, Object>> cases = objects(entry.get("cases"));
        List<String> files = strings(entry.get("verified_with"));
        assertThat(cases).hasSizeGreaterThanOrEqualTo(50);
        assertThat(files).contains(someFile);

        return files.stream().map(file -> {
            Tokenizer tokenizer = load.apply(file);
            return DynamicContainer.dynamicContainer(file, cases.stream().map(c -> {
                String text = (String) c.get("text");
                boolean parseSpecial = (Boolean) c.get("parse_special");
                int[] expected = ids(c.get("ids"));
                String name = (parseSpecial ? "special " : "plain ") + text.replace("\n", "\\n");
                return DynamicTest.dynamicTest(name, () -> {
                    int[] ids = tokenizer.encode(text, false, parseSpecial);
                    assertThat(ids).containsExactly(expected);
                    assertThat(tokenizer.decode(ids)).isEqualTo(c.get("detokenized"));
                    assertThat(tokenizer.decode(ids, true)).isEqualTo(c.get("detokenized_with_special"));
                });
            }));
        });
    }

    @Test
    void vocabularyFactsMatchWhatLlamaCppReports() throws IOException {
        Map<String, Object> facts = object(kind("spm").get("tokenizer"));
        SentencePieceTokenizer tokenizer = TestVocabulary.shared("synthetic/tiny-llama-f32.gguf");

        assertThat(tokenizer.vocabularySize()).isEqualTo(((Number) facts.get("n_tokens")).intValue());
        assertThat(tokenizer.bosId()).isEqualTo(((Number) facts.get("bos")).intValue());
        assertThat(tokenizer.eosId()).isEqualTo(((Number) facts.get("eos")).intValue());
        assertThat(tokenizer.vocabulary().unk()).isEqualTo(((Number) facts.get("unk")).intValue());
        assertThat(tokenizer.addsBos()).isEqualTo(facts.get("add_bos"));
        assertThat(object(facts.get("llama_cpp_reports")).get("eot")).isNull();
        assertThat(tokenizer.vocabulary().eot()).isEqualTo(-1);
        assertThat(tokenizer.encode("\n", false, false)).endsWith(13); // llama.cpp's newline token
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-bpe", "qwen2"})
    void bpeVocabularyFactsMatchWhatLlamaCppReports(String kind) throws IOException {
        Map<String, Object> entry = kind(kind);
        Map<String, Object> facts = object(entry.get("tokenizer"));
        Map<String, Object> reported = object(facts.get("llama_cpp_reports"));

        for (String file : strings(entry.get("verified_with"))) {
            BpeTokenizer tokenizer = TestVocabulary.sharedBpe("synthetic/" + file);
            int eot = ((Number) reported.get("eot")).intValue();

            assertThat(tokenizer.vocabularySize()).as(file).isEqualTo(((Number) facts.get("n_tokens")).intValue());
            assertThat(tokenizer.bosId()).as(file).isEqualTo(((Number) reported.get("bos")).intValue());
            assertThat(tokenizer.eosId()).as(file).isEqualTo(((Number) reported.get("eos")).intValue());
            assertThat(tokenizer.addsBos()).as(file).isEqualTo(facts.get("add_bos"));
            assertThat(tokenizer.isEndOfGeneration(eot)).as(file).isTrue();
            assertThat(tokenizer.encode("\n", false, false)).as(file)
                    .containsExactly(((Number) reported.get("nl")).intValue());
            object(facts.get("specials")).forEach((text, id) -> {
                assertThat(tokenizer.tokenText(((Number) id).intValue())).isEqualTo(text);
                assertThat(tokenizer.isControl(((Number) id).intValue())).as(text).isTrue();
            });
            assertThat(IntStream.range(0, tokenizer.vocabularySize()).filter(tokenizer::isEndOfGeneration).toArray())
                    .as("end-of-generation ids of %s", file)
                    .containsExactly(END_OF_GENERATION.get(kind));
        }
    }

    @Test
    void everyTinyLlamaFileHasTheStories260KVocabulary() {
        SentencePieceTokenizer stories = TestVocabulary.shared("stories260K.gguf");
        SentencePieceTokenizer tiny = TestVocabulary.shared("synthetic/tiny-llama-f32.gguf");

        for (int id = 0; id < stories.vocabularySize(); id++) {
            assertThat(tiny.tokenText(id)).isEqualTo(stories.tokenText(id));
            assertThat(tiny.vocabulary().score(id)).isEqualTo(stories.vocabulary().score(id));
            assertThat(tiny.vocabulary().type(id)).isEqualTo(stories.vocabulary().type(id));
        }
    }

    private static Map<String, Object> kind(String kind) throws IOException {
        String json = Files.readString(SharedModels.model("synthetic/tokenizer-cases.json"));
        return object(object(Json.parseObject(json).get("kinds")).get(kind));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> objects(Object value) {
        return (List<Map<String, Object>>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return (List<String>) value;
    }

    static int[] ids(Object value) {
        return ((List<?>) value).stream().mapToInt(n -> ((Number) n).intValue()).toArray();
    }
}
