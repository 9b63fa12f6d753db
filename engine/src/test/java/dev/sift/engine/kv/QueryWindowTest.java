package dev.sift.engine.kv;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueryWindowTest {

    @Test
    void keepsTheLastTokensOldestFirst() {
        QueryWindow window = new QueryWindow(2, 1, 2, 3);
        for (int p = 0; p < 5; p++) {
            window.record(0, p, new float[]{p, -p});
        }
        window.record(1, 7, new float[]{7, 7});

        assertThat(window.size(0)).isEqualTo(3);
        assertThat(window.position(0, 0)).isEqualTo(2);
        assertThat(window.position(0, 2)).isEqualTo(4);
        assertThat(window.queries(0, 1)).containsExactly(3f, -3f);
        assertThat(window.size(1)).isEqualTo(1);
        assertThat(window.position(1, 0)).isEqualTo(7);
        assertThatThrownBy(() -> window.position(1, 1)).isInstanceOf(IndexOutOfBoundsException.class);

        window.clear();
        assertThat(window.size(0)).isZero();
    }
}
