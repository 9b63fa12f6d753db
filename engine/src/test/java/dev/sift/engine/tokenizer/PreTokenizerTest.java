package dev.sift.engine.tokenizer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How each pre-tokenizer cuts text into words. The byte-level test vectors check the results through
 * whole tokenizations; these show the rules one at a time, including where llama.cpp's character
 * classes differ from Java's.
 */
class PreTokenizerTest {

    @Test
    void llama3KeepsOneLeadingCharacterWithAWord() {
        assertThat(PreTokenizer.LLAMA3.split("Hello world")).containsExactly("Hello", " world");
        assertThat(PreTokenizer.LLAMA3.split("(hi)")).containsExactly("(hi", ")");
        // NBSP counts as whitespace for \s, but any non-letter, non-digit, non-newline may lead a word.
        assertThat(PreTokenizer.LLAMA3.split("a\u00A0b")).containsExactly("a", "\u00A0b");
    }

    @Test
    void llama3GroupsDigitsByThreeAndQwen2TakesThemOneByOne() {
        assertThat(PreTokenizer.LLAMA3.split("1234567")).containsExactly("123", "456", "7");
        assertThat(PreTokenizer.QWEN2.split("1234 x")).containsExactly("1", "2", "3", "4", " x");
        assertThat(PreTokenizer.LLAMA3.split("½²٣")).as("all of \\p{N}").containsExactly("½²٣");
    }

    @Test
    void llama3ContractionsIgnoreCaseButGpt2sDoNot() {
        assertThat(PreTokenizer.LLAMA3.split("DON'T we'LL")).containsExactly("DON", "'T", " we", "'LL");
        assertThat(PreTokenizer.GPT2.split("DON'T we'll")).containsExactly("DON", "'", "T", " we", "'ll");
    }

    @Test
    void whitespaceGoesToTheNextWordButOneSpace() {
        assertThat(PreTokenizer.LLAMA3.split("  two")).containsExactly(" ", " two");
        assertThat(PreTokenizer.LLAMA3.split("x   ")).containsExactly("x", "   ");
        assertThat(PreTokenizer.GPT2.split("a   b")).containsExactly("a", "  ", " b");
    }

    @Test
    void llama3EndsAWhitespaceWordAtItsLastLineBreak() {
        assertThat(PreTokenizer.LLAMA3.split("\r\n  x")).containsExactly("\r\n", " ", " x");
        assertThat(PreTokenizer.LLAMA3.split("a.\n\nb")).containsExactly("a", ".\n\n", "b");
        assertThat(PreTokenizer.GPT2.split("a\n\nb")).containsExactly("a", "\n", "\n", "b");
    }

    @Test
    void punctuationRunsTakeOneSpaceInFront() {
        assertThat(PreTokenizer.LLAMA3.split("x **2 👨‍👩‍👧")).containsExactly("x", " **", "2", " 👨‍👩‍👧");
        assertThat(PreTokenizer.GPT2.split("x **2")).containsExactly("x", " **", "2");
    }

    @Test
    void theClassesAreLlamaCppsNotJavas() {
        // U+001C is whitespace to Java but a control character to llama.cpp, so it may lead a word.
        assertThat(PreTokenizer.LLAMA3.split("a\u001Cb")).containsExactly("a", "\u001Cb");
        // An unassigned code point (U+0378) is [^\s\p{L}\p{N}], like punctuation.
        assertThat(PreTokenizer.GPT2.split("a \u0378\u0378")).containsExactly("a", " \u0378\u0378");
        // U+3000 (ideographic space) is whitespace.
        assertThat(PreTokenizer.GPT2.split("日本\u3000語")).containsExactly("日本", "\u3000", "語");
    }

    @Test
    void starCoderSplitsEveryDigitBeforeGpt2sExpression() {
        assertThat(PreTokenizer.STARCODER.split("a 12b")).containsExactly("a", " ", "1", "2", "b");
        assertThat(PreTokenizer.GPT2.split("a 12b")).containsExactly("a", " 12", "b");
    }

    @Test
    void theDefaultSplitsPunctuationFirstAndNumbersInThrees() {
        assertThat(PreTokenizer.DEFAULT.split("a, 12345!")).containsExactly("a", ",", " ", "123", "45", "!");
        assertThat(PreTokenizer.DEFAULT.split("x+=y")).containsExactly("x", "+=", "y");
    }

    @Test
    void emptyTextHasNoWords() {
        for (PreTokenizer splitter : PreTokenizer.values()) {
            assertThat(splitter.split("")).as(splitter.name()).isEmpty();
        }
    }
}
