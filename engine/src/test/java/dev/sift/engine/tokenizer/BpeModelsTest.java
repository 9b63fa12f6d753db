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
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte-level BPE tokenizer on the shared models: the prompts and greedy outputs llama.cpp
 * recorded for the synthetic Llama 3 and Qwen models, the special tokens of the real Llama 3, Qwen2
 * and GPT-2 vocabularies, and speed on long runs without spaces.
 */
class BpeModelsTest {

    /**
     * Every synthetic Llama 3 and Qwen reference: {@code prompt_ids} is BOS if the model adds one,
     * then {@code llama_tokenize(prompt_text, add_special=false, parse_special)}; the chat prompts
     * carry their own BOS. The 48 greedy tokens are random, so their text has broken UTF-8 and
     * clean-up patterns, and it is what {@code llama_detokenize} made of them.
     */
    @TestFactory
    Stream<DynamicContainer> referencePromptsAndOutputs() throws IOException {
        List<Path> references;
        try (Stream<Path> files = Files.list(SharedModels.model("synthetic"))) {
            references = files.filter(path -> path.getFileName().toString().matches("tiny-(llama3|qwen[23])-.*\\.json"))
                    .sorted()
                    .toList();
        }
        assertThat(references).hasSize(18);
        return references.stream().map(path -> {
            Map<String, Object> reference = json(path);
            BpeTokenizer tokenizer = TestVocabulary.sharedBpe("synthetic/" + reference.get("file"));
            return DynamicContainer.dynamicContainer(path.getFileName().toString(), objects(reference.get("cases"))
                    .stream()
                    .map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> {
                        String text = (String) c.get("prompt_text");
                        boolean parseSpecial = (Boolean) c.get("parse_special");
                        int[] prompt = Json.ints(c.get("prompt_ids"));
                        int[] generated = Json.ints(c.get("generated_ids"));

                        boolean ownBos = text.startsWith(tokenizer.tokenText(tokenizer.bosId())) && parseSpecial;
                        assertThat(c.get("bos_prepended")).isEqualTo(tokenizer.addsBos() && !ownBos);
                        assertThat(tokenizer.encode(text, !ownBos, parseSpecial)).containsExactly(prompt);
                        assertThat(tokenizer.decode(generated)).isEqualTo(c.get("generated_text"));
                        assertThat(tokenizer.decode(generated, true)).isEqualTo(c.get("generated_text_with_special"));
                    })));
        });
    }

    @Test
    void llama3VocabularyAddsBosAndEndsAtEndOfTextAndEndOfTurn() {
        BpeTokenizer tokenizer = TestVocabulary.sharedBpe("vocab/ggml-vocab-llama-bpe.gguf");

        // The file has no add_bos_token key: the llama-bpe pre-tokenizer's default applies.
        assertThat(tokenizer.addsBos()).isTrue();
        assertThat(tokenizer.encode("Hello", true, false)).containsExactly(128000, 9906);
        assertThat(endOfGeneration(tokenizer)).containsExactly(128001, 128009);
        assertThat(tokenizer.encode("<|start_header_id|>user<|end_header_id|>", false, true))
                .containsExactly(128006, 882, 128007);
    }

    @Test
    void qwen2VocabularyAddsNoBosAndEndsAtEndOfTextAndImEnd() {
        BpeTokenizer tokenizer = TestVocabulary.sharedBpe("vocab/ggml-vocab-qwen2.gguf");

        assertThat(tokenizer.addsBos()).isFalse();
        assertThat(tokenizer.encode("Hello", true, false)).containsExactly(9707);
        assertThat(endOfGeneration(tokenizer)).containsExactly(151643, 151645);
        // Its [PAD…] tokens are user-defined: split out of any text, rendered as they are.
        assertThat(tokenizer.encode("a[PAD151646]", false, false)).containsExactly(64, 151646);
        assertThat(tokenizer.decode(new int[] {151644, 151646})).isEqualTo("[PAD151646]");
    }

    @Test
    void gpt2VocabularyHasOneSpecialToken() {
        BpeTokenizer tokenizer = TestVocabulary.sharedBpe("vocab/ggml-vocab-gpt-2.gguf");

        assertThat(tokenizer.addsBos()).isFalse();
        assertThat(tokenizer.bosId()).isEqualTo(50256);
        assertThat(tokenizer.eosId()).isEqualTo(50256);
        assertThat(endOfGeneration(tokenizer)).containsExactly(50256);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-bpe.gguf", "ggml-vocab-qwen2.gguf", "ggml-vocab-gpt-2.gguf"})
    void tenThousandCharactersWithoutASpaceTakeWellUnderASecond(String vocabulary) {
        BpeTokenizer tokenizer = TestVocabulary.sharedBpe("vocab/" + vocabulary);

        for (String unit : List.of("a", "ab", "1", "!", "é", "日", "🙂", "a1!", "'s", "\u0378", "\n")) {
            String text = unit.repeat(10_000 / unit.length());
            // The best of three runs, so that other work on the machine does not count.
            long best = Long.MAX_VALUE;
            int[] ids = null;
            for (int run = 0; run < 3; run++) {
                long start = System.nanoTime();
                ids = tokenizer.encode(text, false, false);
                best = Math.min(best, System.nanoTime() - start);
            }

            assertThat(best / 1_000_000).as("milliseconds for %s × %d", unit, 10_000 / unit.length()).isLessThan(250);
            assertThat(tokenizer.decode(ids)).isEqualTo(text);
        }
    }

    private static int[] endOfGeneration(Tokenizer tokenizer) {
        return IntStream.range(0, tokenizer.vocabularySize()).filter(tokenizer::isEndOfGeneration).toArray();
    }

    private static Map<String, Object> json(Path path) {
        try {
            return Json.object(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> objects(Object value) {
        return (List<Map<String, Object>>) value;
    }
}
