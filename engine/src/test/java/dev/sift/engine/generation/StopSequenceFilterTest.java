package dev.sift.engine.generation;

import org.junit.jupiter.api.Test;

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
}
