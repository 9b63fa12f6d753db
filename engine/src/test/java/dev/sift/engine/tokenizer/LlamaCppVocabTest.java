package dev.sift.engine.tokenizer;

import dev.sift.engine.SharedModels;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's own tokenizer test vectors ({@code test-tokenizer-0}) for the real vocabularies in
 * {@code shared/models/vocab}: Llama 2 and Phi-3 (SentencePiece), Llama 3, Qwen2 and GPT-2 (byte-level
 * BPE). Ids from {@code llama_tokenize(text, add_special=false, parse_special=false)}; decoding them
 * must give back what {@code llama_detokenize} does.
 */
class LlamaCppVocabTest {

    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    record Case(String text, int[] ids) {
    }

    @TestFactory
    Stream<DynamicTest> llamaSpm() throws IOException {
        return cases("ggml-vocab-llama-spm.gguf", TestVocabulary.shared("vocab/ggml-vocab-llama-spm.gguf"),
                UnaryOperator.identity());
    }

    @TestFactory
    Stream<DynamicTest> phi3() throws IOException {
        return cases("ggml-vocab-phi-3.gguf", TestVocabulary.shared("vocab/ggml-vocab-phi-3.gguf"),
                UnaryOperator.identity());
    }

    @TestFactory
    Stream<DynamicTest> llamaBpe() throws IOException {
        return cases("ggml-vocab-llama-bpe.gguf", TestVocabulary.sharedBpe("vocab/ggml-vocab-llama-bpe.gguf"),
                LlamaCppVocabTest::cleanedUp);
    }

    @TestFactory
    Stream<DynamicTest> qwen2() throws IOException {
        // llama.cpp exempts Qwen2 from the clean-up, so every string comes back as it was.
        return cases("ggml-vocab-qwen2.gguf", TestVocabulary.sharedBpe("vocab/ggml-vocab-qwen2.gguf"),
                UnaryOperator.identity());
    }

    @TestFactory
    Stream<DynamicTest> gpt2() throws IOException {
        return cases("ggml-vocab-gpt-2.gguf", TestVocabulary.sharedBpe("vocab/ggml-vocab-gpt-2.gguf"),
                LlamaCppVocabTest::cleanedUp);
    }

    /**
     * What {@code llama_detokenize} gives back for these strings where the vocabulary cleans up spaces:
     * of the patterns it removes, the strings contain only {@code " ?"} (twice, in {@code "😁 ?"}).
     */
    private static String cleanedUp(String text) {
        return text.replace(" ?", "?");
    }

    @Test
    void everyVocabularyHasTheSame46Strings() throws IOException {
        List<String> texts = read("ggml-vocab-llama-spm.gguf").stream().map(Case::text).toList();

        for (String bpe : List.of("ggml-vocab-llama-bpe.gguf", "ggml-vocab-qwen2.gguf", "ggml-vocab-gpt-2.gguf")) {
            assertThat(read(bpe)).extracting(Case::text).as(bpe).isEqualTo(texts);
        }
        assertThat(read("ggml-vocab-llama-bpe.gguf").get(0).ids()).containsExactly(1142, 220, 19, 220, 27154, 4038);
    }

    @Test
    void readsAll46Cases() throws IOException {
        List<Case> cases = read("ggml-vocab-llama-spm.gguf");

        assertThat(cases).hasSize(46);
        assertThat(cases.get(0).text()).isEqualTo("ied 4 ½ months");
        assertThat(cases.get(0).ids()).containsExactly(474, 287, 29871, 29946, 29871, 30226, 7378);
        assertThat(cases.get(2).text()).isEmpty();
        assertThat(cases.get(2).ids()).isEmpty();
        assertThat(cases.get(3).text()).isEqualTo(" ");
        assertThat(cases.get(3).ids()).containsExactly(259);
    }

    @Test
    void phi3ChatMarkersSwallowTheNewlineAfterThem() {
        // Phi-3 files get llama.cpp's rstrip rule: whitespace after <|user|>, <|end|>, <|assistant|>
        // is dropped, and the text after them gets the space prefix.
        SentencePieceTokenizer phi3 = TestVocabulary.shared("vocab/ggml-vocab-phi-3.gguf");

        int[] ids = phi3.encode("<|user|>\nHello<|end|>\n<|assistant|>\n", true, true);

        assertThat(ids).containsExactly(1, 32010, 15043, 32007, 32001);
        assertThat(phi3.decode(ids, true)).isEqualTo("<s><|user|> Hello<|end|><|assistant|>");
        assertThat(phi3.isEndOfGeneration(32007)).as("<|end|>").isTrue();
        assertThat(phi3.isEndOfGeneration(32000)).as("<|endoftext|>, the EOS").isTrue();
        assertThat(phi3.isEndOfGeneration(32001)).isFalse();
        // </s> is a user-defined token in this file: split out even without parse_special.
        assertThat(phi3.encode("a</s> b", false, false)).containsExactly(263, 2, 289);
    }

    private static Stream<DynamicTest> cases(String vocabulary, Tokenizer tokenizer, UnaryOperator<String> detokenized)
            throws IOException {
        List<Case> cases = read(vocabulary);
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            String name = "#" + i + " " + abbreviate(c.text());
            tests.add(DynamicTest.dynamicTest(name, () -> {
                int[] ids = tokenizer.encode(c.text(), false, false);
                assertThat(ids).as("ids of %s", abbreviate(c.text())).containsExactly(c.ids());
                assertThat(tokenizer.decode(ids)).as("round trip").isEqualTo(detokenized.apply(c.text()));
            }));
        }
        return tests.stream();
    }

    /** The test strings of {@code X.inp}: each one is followed by a separator line. */
    static List<Case> read(String vocabulary) throws IOException {
        Path folder = SharedModels.model("vocab");
        String input = Files.readString(folder.resolve(vocabulary + ".inp"), StandardCharsets.UTF_8);
        List<String> expected = Files.readAllLines(folder.resolve(vocabulary + ".out"), StandardCharsets.UTF_8);
        assertThat(input).endsWith(SEPARATOR);
        String[] texts = input.substring(0, input.length() - SEPARATOR.length()).split(SEPARATOR, -1);
        assertThat(expected).hasSameSizeAs(texts);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            String line = expected.get(i).strip();
            int[] ids = line.isEmpty()
                    ? new int[0]
                    : Arrays.stream(line.split(" +")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(texts[i], ids));
        }
        return cases;
    }

    private static String abbreviate(String text) {
        String escaped = text.replace("\n", "\\n").replace("\t", "\\t");
        return escaped.length() > 40 ? escaped.substring(0, 40) + "…" : escaped;
    }
}
