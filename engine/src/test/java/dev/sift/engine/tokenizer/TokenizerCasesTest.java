package dev.sift.engine.tokenizer;

import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's tokenization of tricky strings with the stories260K vocabulary, from
 * {@code shared/models/synthetic/tokenizer-cases.json} (kind {@code spm}), checked on every model
 * file the JSON says shares that vocabulary.
 */
class TokenizerCasesTest {

    @TestFactory
    Stream<DynamicContainer> spmCases() throws IOException {
        Map<String, Object> spm = spm();
        List<Map<String, Object>> cases = objects(spm.get("cases"));
        List<String> files = strings(spm.get("verified_with"));
        assertThat(cases).hasSizeGreaterThanOrEqualTo(50);
        assertThat(files).contains("tiny-llama-f32.gguf");

        return files.stream().map(file -> {
            SentencePieceTokenizer tokenizer = TestVocabulary.shared("synthetic/" + file);
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
        Map<String, Object> facts = object(spm().get("tokenizer"));
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

    private static Map<String, Object> spm() throws IOException {
        String json = Files.readString(SharedModels.model("synthetic/tokenizer-cases.json"));
        return object(object(Json.parseObject(json).get("kinds")).get("spm"));
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
