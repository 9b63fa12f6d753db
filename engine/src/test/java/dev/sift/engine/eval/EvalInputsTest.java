package dev.sift.engine.eval;

import dev.sift.engine.SharedModels;
import dev.sift.engine.tokenizer.Tokenizer;
import dev.sift.engine.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Prompts and needle cases as the harness reads and builds them. */
class EvalInputsTest {

    @Test
    void promptsFromTheReferenceFolderInFileOrder() throws IOException {
        List<EvalPrompt> prompts = EvalPrompt.load(SharedModels.model("reference"));
        assertThat(prompts).extracting(EvalPrompt::name).containsExactly("bird", "bos-only", "long-story", "once-upon", "park-dog");
        assertThat(prompts.get(3).text()).isEqualTo("Once upon a time");
    }

    @Test
    void promptsFromATextFileOnePerParagraph(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("prompts.txt"), "First line\nstill first.\n\n\n  Second.  \n\nThird\n");
        assertThat(EvalPrompt.load(file)).extracting(EvalPrompt::text).containsExactly("First line\nstill first.", "Second.", "Third");

        Path json = Files.writeString(dir.resolve("bad.json"), "{\"name\": \"x\"}");
        assertThatThrownBy(() -> EvalPrompt.load(json)).hasMessageContaining("has no 'prompt' text field");
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        assertThatThrownBy(() -> EvalPrompt.load(empty)).hasMessageContaining("no prompts in");
    }

    @Test
    void needlesSitAtTheirDepthInAHaystackOfTheAskedLength() throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"))) {
            Tokenizer tokenizer = Tokenizer.fromGguf(file);
            NeedleTask task = new NeedleTask("One cat sat. A dog ran! Who knew? The end.",
                    List.of(new NeedleTask.Needle("The box was red.", "The box was", "red")));
            List<NeedleTask.Case> cases = task.cases(tokenizer, 40, List.of(0, 100));

            int[] needle = tokenizer.encode("The box was red.", false, false);
            NeedleTask.Case first = cases.get(0);
            assertThat(first.depth()).isZero();
            assertThat(first.context()[0]).isEqualTo(tokenizer.bosId());
            assertThat(Arrays.copyOfRange(first.context(), 1, 1 + needle.length)).containsExactly(needle);
            assertThat(first.needleStart()).isEqualTo(1);
            assertThat(first.needleEnd()).isEqualTo(1 + needle.length);
            assertThat(first.context().length).isGreaterThan(40);
            NeedleTask.Case lastCase = cases.get(1);
            int[] last = lastCase.context();
            assertThat(tokenizer.decode(last)).endsWith("Who knew? The box was red.").contains("The end. One cat sat.");
            assertThat(lastCase.needleEnd()).isEqualTo(last.length);
            assertThat(tokenizer.decode(Arrays.copyOfRange(last, lastCase.needleStart(), lastCase.needleEnd())))
                    .isEqualTo("The box was red.");
            assertThat(first.question()).containsExactly(tokenizer.encode("The box was", false, false));
            assertThat(first.answer()).containsExactly(tokenizer.encode("red", false, false));
        }
    }

    @Test
    void needleScoreCountsTheAnswersTokensPositionByPosition() {
        assertThat(NeedleTask.score(new int[]{5, 6}, new int[]{5, 6})).isEqualTo(1.0);
        assertThat(NeedleTask.score(new int[]{5, 6}, new int[]{6, 5})).isEqualTo(0.0);
        assertThat(NeedleTask.score(new int[]{5, 6}, new int[]{5, 7})).isEqualTo(0.5);
    }

    @Test
    void defaultNeedlesLoadAndBadNeedleFilesNameTheLine(@TempDir Path dir) throws IOException {
        assertThat(NeedleTask.defaults()).isNotNull();
        Path haystack = Files.writeString(dir.resolve("hay.txt"), "Some text.");
        Path needles = Files.writeString(dir.resolve("needles.tsv"), "# comment\n\nA is B.\tA is\tB\nno tabs here\n");
        assertThatThrownBy(() -> NeedleTask.load(haystack, needles)).hasMessageContaining("line 4")
                .hasMessageContaining("'no tabs here'");
    }
}
