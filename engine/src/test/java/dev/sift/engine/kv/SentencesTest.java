package dev.sift.engine.kv;

import dev.sift.engine.SharedModels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Segmentation on real vocabularies: Llama 2's SentencePiece (spaces are {@code ▁} prefixes, newlines
 * byte tokens) and Llama 3's byte-level BPE (merged tokens such as {@code .\n\n}).
 */
class SentencesTest {

    private static GgufFile spm;
    private static GgufFile bpe;

    @BeforeAll
    static void open() throws IOException {
        spm = GgufFile.open(SharedModels.model("vocab/ggml-vocab-llama-spm.gguf"));
        bpe = GgufFile.open(SharedModels.model("vocab/ggml-vocab-llama-bpe.gguf"));
    }

    @AfterAll
    static void close() {
        spm.close();
        bpe.close();
    }

    private static Tokenizer tokenizer(String kind) {
        return Tokenizer.fromGguf(kind.equals("spm") ? spm : bpe);
    }

    /** The text of each sentence of {@code text}, as segmented with the given lengths. */
    private static List<String> split(Tokenizer tokenizer, String text, int target, int maximum) {
        int[] tokens = tokenizer.encode(text, false, false);
        Sentences sentences = new Sentences(tokenizer, target, maximum);
        for (int token : tokens) {
            sentences.append(token);
        }
        assertThat(sentences.length()).isEqualTo(tokens.length);
        List<String> texts = new ArrayList<>();
        for (int j = 0; j < sentences.count(); j++) {
            texts.add(text(tokenizer, Arrays.copyOfRange(tokens, sentences.start(j), sentences.end(j))));
        }
        // The sentences tile the text.
        assertThat(String.join("", texts)).isEqualTo(text(tokenizer, tokens));
        return texts.stream().map(String::strip).toList();
    }

    /** The tokens' text as generation streams it (SentencePiece's space prefix kept). */
    private static String text(Tokenizer tokenizer, int... tokens) {
        StringBuilder text = new StringBuilder();
        for (int token : tokens) {
            text.append(new String(tokenizer.tokenBytes(token, false), StandardCharsets.UTF_8));
        }
        return text.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"spm", "bpe"})
    void proseIsCutAtSentenceEndsIncludingQuotesAndParagraphs(String kind) {
        String text = "The cat sat on the mat. \"Is it warm?\" asked the dog! It was 3.14 degrees colder "
                + "than yesterday.\n\nA new paragraph starts here (with a note.) And ends.";
        assertThat(split(tokenizer(kind), text, 24, 64)).containsExactly(
                "The cat sat on the mat.",
                "\"Is it warm?\"",
                "asked the dog!",
                "It was 3.14 degrees colder than yesterday.",
                "A new paragraph starts here (with a note.)",
                "And ends.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"spm", "bpe"})
    void codeIsCutAtLinesOnceASentenceHasHalfTheTarget(String kind) {
        String code = "int a = 1;\nint b = 2;\nint c = a + b;\nreturn c * 2;\n";
        List<String> lines = split(tokenizer(kind), code, 16, 64);
        // No line holds 8 tokens, so lines pair up; every cut falls at a line end.
        assertThat(lines).allSatisfy(sentence -> assertThat(code).contains(sentence + "\n"));
        assertThat(lines).hasSizeBetween(2, 3);
        assertThat(String.join("\n", lines)).isEqualTo(code.strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"spm", "bpe"})
    void listItemsAreClauses(String kind) {
        String list = "Things to buy today: apples and pears; bread from the baker; milk, eggs and butter; "
                + "something for the weekend dinner with friends; candles.";
        assertThat(split(tokenizer(kind), list, 8, 64)).containsExactly(
                "Things to buy today:",
                "apples and pears;",
                "bread from the baker;",
                "milk, eggs and butter;",
                "something for the weekend dinner with friends;",
                "candles.");
    }

    @Test
    void aClauseShorterThanHalfTheTargetGoesOn() {
        // "Note:" is 2 tokens, fewer than 8 / 2.
        assertThat(split(tokenizer("bpe"), "Note: apples and pears; bread.", 8, 64))
                .containsExactly("Note: apples and pears;", "bread.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"spm", "bpe"})
    void textWithoutPunctuationIsCutAtWordsIntoBoundedSpans(String kind) {
        Tokenizer tokenizer = tokenizer(kind);
        String words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
                .repeat(8).strip();
        int[] tokens = tokenizer.encode(words, false, false);
        Sentences sentences = new Sentences(tokenizer, 16, 32);
        for (int token : tokens) {
            sentences.append(token);
        }
        for (int j = 0; j + 1 < sentences.count(); j++) {
            int size = sentences.end(j) - sentences.start(j);
            // Cut at the first word break from (16 + 32) / 2 = 24 tokens on, never past 32.
            assertThat(size).isBetween(24, 32);
            String next = text(tokenizer, tokens[sentences.end(j)]);
            assertThat(next).as("sentence %d is followed by a new word", j).startsWith(" ");
        }
        assertThat(sentences.count()).isGreaterThan(tokens.length / 32);
    }

    @Test
    void aRunWithoutAnyBreakIsCutAtTheMaximum() {
        Tokenizer tokenizer = tokenizer("bpe");
        int[] tokens = tokenizer.encode("x".repeat(200), false, false);
        Sentences sentences = new Sentences(tokenizer, 4, 8);
        for (int token : tokens) {
            sentences.append(token);
        }
        for (int j = 0; j + 1 < sentences.count(); j++) {
            assertThat(sentences.end(j) - sentences.start(j)).isEqualTo(8);
        }
    }

    @Test
    void controlTokensStandAlone() {
        Tokenizer tokenizer = tokenizer("bpe");
        int[] tokens = tokenizer.encode("<|start_header_id|>user<|end_header_id|>\n\nHi there. Bye<|eot_id|>", false, true);
        Sentences sentences = new Sentences(tokenizer, 24, 64);
        List<Boolean> starts = new ArrayList<>();
        for (int token : tokens) {
            starts.add(sentences.append(token));
        }
        List<String> texts = new ArrayList<>();
        for (int j = 0; j < sentences.count(); j++) {
            texts.add(tokenizer.decode(Arrays.copyOfRange(tokens, sentences.start(j), sentences.end(j)), true));
        }
        assertThat(texts).containsExactly("<|start_header_id|>", "user", "<|end_header_id|>", "\n\nHi there.", " Bye",
                "<|eot_id|>");
        assertThat(starts.getFirst()).isFalse();
        assertThat(starts.stream().filter(b -> b).count()).isEqualTo(texts.size() - 1);
    }

    @Test
    void positionsMapToTheirSentencesAndTruncationForgetsTheTail() {
        Tokenizer tokenizer = tokenizer("spm");
        int[] tokens = tokenizer.encode("One two. Three four five. Six.", false, false);
        Sentences sentences = new Sentences(tokenizer, 24, 64);
        for (int token : tokens) {
            sentences.append(token);
        }
        assertThat(sentences.count()).isEqualTo(3);
        for (int p = 0; p < tokens.length; p++) {
            int j = sentences.sentenceAt(p);
            assertThat(p).isBetween(sentences.start(j), sentences.end(j) - 1);
        }
        int secondEnd = sentences.end(1);
        sentences.truncate(secondEnd - 1);
        assertThat(sentences.count()).isEqualTo(2);
        assertThat(sentences.end(1)).isEqualTo(secondEnd - 1);
        assertThatThrownBy(() -> sentences.sentenceAt(secondEnd - 1)).isInstanceOf(IndexOutOfBoundsException.class);
        sentences.truncate(0);
        assertThat(sentences.count()).isZero();
    }

    @Test
    void breaksFollowTheTextOfBothTokens() {
        assertThat(Sentences.breakAfter(".", " The")).isEqualTo(Sentences.Break.SENTENCE);
        assertThat(Sentences.breakAfter(".", "14")).isEqualTo(Sentences.Break.NONE);
        assertThat(Sentences.breakAfter(".\"", "\n")).isEqualTo(Sentences.Break.SENTENCE);
        assertThat(Sentences.breakAfter("。", "他")).isEqualTo(Sentences.Break.SENTENCE);
        assertThat(Sentences.breakAfter(".\n\n", "The")).isEqualTo(Sentences.Break.SENTENCE);
        assertThat(Sentences.breakAfter("\n", "\n")).isEqualTo(Sentences.Break.SENTENCE);
        assertThat(Sentences.breakAfter(";", " next")).isEqualTo(Sentences.Break.CLAUSE);
        assertThat(Sentences.breakAfter("{\n", "  x")).isEqualTo(Sentences.Break.CLAUSE);
        assertThat(Sentences.breakAfter("word", " next")).isEqualTo(Sentences.Break.WORD);
        assertThat(Sentences.breakAfter("wo", "rd")).isEqualTo(Sentences.Break.NONE);
    }

    @Test
    void lengthsAreChecked() {
        Tokenizer tokenizer = tokenizer("spm");
        assertThatThrownBy(() -> new Sentences(tokenizer, 1, 8)).hasMessageContaining("target 1");
        assertThatThrownBy(() -> new Sentences(tokenizer, 16, 8)).hasMessageContaining("maximum 8");
    }
}
