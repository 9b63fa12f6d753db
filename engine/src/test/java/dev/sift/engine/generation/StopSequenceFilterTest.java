package dev.sift.engine.generation;

import dev.sift.engine.SharedModels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.tokenizer.StreamDecoder;
import dev.sift.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StopSequenceFilterTest {

    @Test
    void holdsBackAPossibleStartAndReleasesItWhenItDoesNotMatch() {
        StopSequenceFilter filter = new StopSequenceFilter(List.of("</end>"));
        assertThat(filter.accept("Hello </")).isEqualTo("Hello ");
        assertThat(filter.accept("b> world")).isEqualTo("</b> world");
        assertThat(filter.stopped()).isFalse();
    }

    @Test
    void cutsAtAStopSequenceSpanningPieces() {
        StopSequenceFilter filter = new StopSequenceFilter(List.of("User:"));
        assertThat(filter.accept("Sure.\nUs")).isEqualTo("Sure.\n");
        assertThat(filter.accept("er: next")).isEmpty();
        assertThat(filter.stopped()).isTrue();
        assertThat(filter.accept("more")).isEmpty();
        assertThat(filter.flush()).isEmpty();
    }

    @Test
    void theEarliestOfSeveralStopSequencesWins() {
        StopSequenceFilter filter = new StopSequenceFilter(List.of("world", "lo w"));
        assertThat(filter.accept("hello world")).isEqualTo("hel");
    }

    @Test
    void flushReleasesHeldTextWhenGenerationEnds() {
        StopSequenceFilter filter = new StopSequenceFilter(List.of("###"));
        assertThat(filter.accept("a #")).isEqualTo("a ");
        assertThat(filter.flush()).isEqualTo("#");
    }

    @Test
    void withoutStopSequencesEverythingPassesStraightThrough() {
        StopSequenceFilter filter = new StopSequenceFilter(List.of());
        assertThat(filter.accept("abc")).isEqualTo("abc");
        assertThat(filter.flush()).isEmpty();
    }

    /**
     * stories260K has no piece for "語", so it is spelled with the byte tokens {@code <0xE8>},
     * {@code <0xAA>} and {@code <0x9E>}: the stream decoder holds the first bytes back until the character is whole, and a
     * stop sequence holding that character is still found and cut, with no broken character emitted.
     */
    @Test
    void aStopSequenceWithACharacterSplitAcrossByteTokensIsCut() throws IOException {
        Tokenizer tokenizer;
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"))) {
            tokenizer = Tokenizer.fromGguf(file);
        }
        int[] tokens = tokenizer.encode("The \u8a9e! was", false, false);
        List<String> pieces = new java.util.ArrayList<>();
        for (int token : tokens) {
            pieces.add(tokenizer.tokenText(token));
        }
        assertThat(pieces).as("the character is spelled as three byte tokens").containsSubsequence("<0xE8>", "<0xAA>", "<0x9E>");

        StreamDecoder decoder = new StreamDecoder(tokenizer, false);
        StopSequenceFilter filter = new StopSequenceFilter(List.of("\u8a9e!"));
        StringBuilder emitted = new StringBuilder();
        for (int token : tokens) {
            String text = decoder.next(token);
            assertThat(text).doesNotContain("\uFFFD");
            emitted.append(filter.accept(text));
            if (filter.stopped()) {
                break;
            }
        }
        assertThat(filter.stopped()).isTrue();
        assertThat(emitted.toString().strip()).isEqualTo("The");
    }
}
