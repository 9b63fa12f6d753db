package dev.sift.engine.calibration;

import dev.sift.engine.SharedModels;
import dev.sift.engine.eval.NeedleTask;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.ModelOptions;
import dev.sift.engine.kv.SrhProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Calibration end to end on stories260K, with a small grid of the shipped needles. */
class SrhCalibratorTest {

    private static LoadedModel model;

    @BeforeAll
    static void load() throws IOException {
        model = LoadedModel.load(SharedModels.model("stories260K.gguf"), new ModelOptions(1, 512));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static CalibrationOptions small() {
        return CalibrationOptions.defaults(model.contextLength()).withLengths(List.of(60, 120)).withDepths(List.of(50, 100));
    }

    @Test
    void theDefaultGridScalesWithTheContext() {
        assertThat(CalibrationOptions.defaultLengths(512)).containsExactly(52, 143, 234, 325, 416);
        assertThat(CalibrationOptions.defaultLengths(131072)).containsExactly(512, 1408, 2304, 3200, 4096);
        assertThatThrownBy(() -> CalibrationOptions.defaultLengths(128))
                .hasMessage("a context of 128 tokens leaves no room for a needle grid");
    }

    @Test
    void calibrationRanksEveryHeadAndSharesTheErrorOverTheLayers() {
        List<SrhCalibrator.Progress> progress = new ArrayList<>();
        SrhProfile profile = new SrhCalibrator(model, small()).calibrate(progress::add);

        profile.requireModel(model.identity());
        SrhProfile.Calibration settings = profile.calibration();
        // 5 needles × 2 lengths × 2 depths; the shipped needles are ones stories260K copies near the question.
        assertThat(settings.runs()).isEqualTo(20);
        assertThat(settings.retrieved()).isBetween(1, 20);
        assertThat(settings.lengths()).containsExactly(60, 120);
        assertThat(settings.needles()).hasSize(5).contains("The fish was named Jack.");
        assertThat(settings).extracting(SrhProfile.Calibration::score, SrhProfile.Calibration::probeBudget,
                SrhProfile.Calibration::window, SrhProfile.Calibration::pooling).containsExactly("semantic", 64, 32, "average");
        assertThat(Arrays.stream(profile.layerErrors()).sum()).isCloseTo(1.0, within(1e-9));
        assertThat(Arrays.stream(profile.layerErrors()).min().orElseThrow()).isPositive();
        for (int l = 0; l < 5; l++) {
            List<SrhProfile.HeadScore> heads = profile.layers().get(l).heads();
            assertThat(heads).hasSize(8).isSortedAccordingTo((a, b) -> Double.compare(b.score(), a.score()));
            // A semantic score is attention mass: at most 1 per answering step.
            assertThat(heads).allSatisfy(head -> assertThat(head.score()).isBetween(0.0, 3.0));
            assertThat(heads.getFirst().score()).isPositive();
        }
        assertThat(progress).hasSize(40);
        assertThat(progress.get(19)).isEqualTo(new SrhCalibrator.Progress(SrhCalibrator.HEADS, 20, 20, settings.retrieved()));
        assertThat(progress.getLast()).isEqualTo(new SrhCalibrator.Progress(SrhCalibrator.LAYERS, 20, 20, settings.retrieved()));
    }

    @Test
    void needlesTheModelCannotCopyEndInAClearError() {
        NeedleTask foreign = new NeedleTask(NeedleTask.defaultHaystack(),
                List.of(new NeedleTask.Needle("The secret code was quasar nebula.", "The secret code was", "quasar nebula")));
        CalibrationOptions options = small().withNeedles(foreign);
        assertThatThrownBy(() -> new SrhCalibrator(model, options).calibrate(p -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("none of the 4 needle runs answered with a ROUGE-1 recall above 0.5");
    }

    @Test
    void aGridThatDoesNotFitOrEvictsNothingIsRefused() {
        assertThatThrownBy(() -> new SrhCalibrator(model, small().withLengths(List.of(500))).calibrate(p -> { }))
                .hasMessageContaining("a haystack of 500 tokens makes a")
                .hasMessageContaining("does not fit in the context of 512");
        assertThatThrownBy(() -> new SrhCalibrator(model, small().withLengths(List.of(20))).calibrate(p -> { }))
                .hasMessageStartingWith("no calibration prompt is longer than the probe budget of 64 tokens");
        assertThatThrownBy(() -> new SrhCalibrator(model, small().withTopHeads(9)))
                .hasMessage("top heads 9 is more than the model's 8 query heads per layer");
    }
}
