package dev.sift.engine.kv;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompressionOptionsTest {

    @Test
    void budgetsParseAsTokensOrPercentages() {
        assertThat(Budget.parse("512")).isEqualTo(Budget.tokens(512));
        assertThat(Budget.parse(" 10% ")).isEqualTo(Budget.ratio(0.1));
        assertThat(Budget.parse("12.5%").resolve(800)).isEqualTo(100);
        assertThat(Budget.parse("10%")).hasToString("10%");
        assertThat(Budget.parse("12.5%")).hasToString("12.5%");
        assertThat(Budget.parse("64")).hasToString("64");
    }

    @Test
    void badBudgetsAreNamed() {
        assertThatThrownBy(() -> Budget.parse("lots")).hasMessageContaining("'lots'");
        assertThatThrownBy(() -> Budget.parse("5x%")).hasMessageContaining("'5x%'");
        assertThatThrownBy(() -> Budget.parse("0")).hasMessageContaining("got 0");
        assertThatThrownBy(() -> Budget.parse("-3")).hasMessageContaining("got -3");
        assertThatThrownBy(() -> Budget.parse("150%")).hasMessageContaining("150");
        assertThatThrownBy(() -> Budget.parse("0%")).hasMessageContaining("above 0%");
    }

    @Test
    void methodsParseByName() {
        assertThat(CompressionMethodKind.parse("SnapKV")).isEqualTo(CompressionMethodKind.SNAPKV);
        assertThat(CompressionMethodKind.parse("none")).isEqualTo(CompressionMethodKind.NONE);
        assertThatThrownBy(() -> CompressionMethodKind.parse("h2o"))
                .hasMessage("compression method 'h2o' is not one of: none, streaming, snapkv, pyramidkv, sentence, srh, srh-uniform, srh-kvhead");
        assertThatThrownBy(CompressionMethodKind.NONE::method).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void optionsAreChecked() {
        assertThat(CompressionOptions.NONE.isNone()).isTrue();
        assertThat(CompressionOptions.NONE.reserved()).isEqualTo(36);
        CompressionOptions tooSmall = CompressionOptions.of(CompressionMethodKind.SNAPKV, Budget.tokens(20));
        assertThatThrownBy(() -> new Compressor(tooSmall, 100))
                .hasMessageContaining("budget 20 is less than the 4 sinks + 32 window tokens");
        assertThat(new Compressor(tooSmall.withWindow(8), 100).budget()).isEqualTo(20);
        assertThatThrownBy(() -> CompressionOptions.NONE.withPooling(Pooling.MAX, 4)).hasMessageContaining("odd");
        assertThatThrownBy(() -> CompressionOptions.NONE.withWindow(0)).hasMessageContaining("window");
        assertThatThrownBy(() -> CompressionOptions.NONE.withPrefillChunk(-1)).hasMessageContaining("-1");
        assertThatThrownBy(() -> Pooling.parse("median")).hasMessageContaining("'median'");
        assertThatThrownBy(() -> GroupAggregation.parse("sum")).hasMessageContaining("'sum'");
    }
}
