package dev.sift.engine.kv;

import dev.sift.engine.SharedModels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.model.ModelIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The SRH profile file: what is committed for stories260K reads back, round-trips, belongs to its
 * model only, and malformed files name their fault.
 *
 * <p>{@value #STORIES} was written by {@code scripts/calibrate-stories260k.sh} (see there for the
 * command).
 */
class SrhProfileTest {

    static final String STORIES = "classpath:dev/sift/engine/kv/stories260K.srh.json";

    private static ModelIdentity identity(String model) throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model(model))) {
            return ModelIdentity.of(file, ModelConfig.fromGguf(file));
        }
    }

    @Test
    void theCommittedStoriesProfileReadsBackForItsModel() throws IOException {
        SrhProfile profile = SrhProfile.load(STORIES);
        ModelIdentity stories = identity("stories260K.gguf");
        profile.requireModel(stories);
        assertThat(profile.model().layers()).isEqualTo(5);
        assertThat(profile.topHeads()).isEqualTo(4);
        assertThat(profile.layerErrors()).hasSize(5);
        assertThat(Arrays.stream(profile.layerErrors()).sum()).isCloseTo(1.0, within(1e-9));
        for (int l = 0; l < 5; l++) {
            assertThat(profile.retrievalHeads(l)).hasSize(4).doesNotHaveDuplicates();
            assertThat(profile.layers().get(l).heads()).isSortedAccordingTo(
                    (a, b) -> Double.compare(b.score(), a.score()));
        }
        assertThat(profile.calibration().retrieved()).isPositive().isLessThanOrEqualTo(profile.calibration().runs());
    }

    @Test
    void aProfileRoundTripsThroughJsonAndFiles(@TempDir Path dir) throws IOException {
        SrhProfile profile = SrhProfile.load(STORIES);
        assertThat(SrhProfile.parse(profile.toJson(), "text")).isEqualTo(profile);
        Path file = dir.resolve("copy.json");
        profile.write(file);
        assertThat(SrhProfile.load(file.toString())).isEqualTo(profile);
    }

    @Test
    void aProfileForAnotherModelIsRefusedNamingBoth() throws IOException {
        SrhProfile profile = SrhProfile.load(STORIES);
        ModelIdentity other = identity("synthetic/tiny-llama-f32.gguf");
        assertThatThrownBy(() -> profile.requireModel(other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the SRH profile was calibrated on llama (llama, 5 layers, 8 query / 4 KV heads of 8")
                .hasMessageContaining(", not on this model, " + other)
                .hasMessageEndingWith("run 'sift calibrate' on this model to make its profile");
        // Same shape, other weights: the tensor hash tells them apart.
        ModelIdentity same = profile.model();
        ModelIdentity retrained = new ModelIdentity(same.name(), same.architecture(), same.layers(), same.heads(),
                same.kvHeads(), same.headDim(), "0" + same.tensorHash().substring(1));
        assertThatThrownBy(() -> profile.requireModel(retrained)).hasMessageContaining("not on this model");
        profile.requireModel(new ModelIdentity("renamed", same.architecture(), same.layers(), same.heads(),
                same.kvHeads(), same.headDim(), same.tensorHash()));
    }

    @Test
    void malformedProfilesNameTheirFault(@TempDir Path dir) throws IOException {
        String json = SrhProfile.load(STORIES).toJson();
        assertThatThrownBy(() -> SrhProfile.parse("{ nope", "bad.json"))
                .hasMessageStartingWith("SRH profile bad.json is not JSON");
        assertThatThrownBy(() -> SrhProfile.parse(json.replace("\"version\" : 1", "\"version\" : 2"), "v2.json"))
                .hasMessage("SRH profile v2.json has version 2, this Sift reads version 1; calibrate again");
        assertThatThrownBy(() -> SrhProfile.parse(json.replace("sift-srh-profile", "other"), "x.json"))
                .hasMessage("SRH profile x.json: 'format' is 'other', expected 'sift-srh-profile'");
        assertThatThrownBy(() -> SrhProfile.parse(json.replace("\"topHeads\" : 4", "\"topHeads\" : \"four\""), "t.json"))
                .hasMessage("SRH profile t.json: field 'topHeads' must be an integer, got \"four\"");
        assertThatThrownBy(() -> SrhProfile.parse(json.replace("\"topHeads\" : 4", "\"topHeads\" : 9"), "t.json"))
                .hasMessage("SRH profile t.json: top heads must be between 1 and the 8 query heads, got 9");
        assertThatThrownBy(() -> SrhProfile.parse(json.replaceFirst("\"head\" : \\d", "\"head\" : 12"), "h.json"))
                .hasMessageStartingWith("SRH profile h.json: layer 0 must rank each of the 8 query heads once, got heads");
        assertThatThrownBy(() -> SrhProfile.parse(json.replace("\"tensorHash\"", "\"hash\""), "m.json"))
                .hasMessage("SRH profile m.json: field 'tensorHash' must be text and is missing");
        assertThatThrownBy(() -> SrhProfile.load("classpath:no/such/profile.json"))
                .hasMessage("no SRH profile on the classpath at no/such/profile.json");
        assertThatThrownBy(() -> SrhProfile.load(dir.resolve("missing.json").toString()))
                .isInstanceOf(NoSuchFileException.class);
        Files.writeString(dir.resolve("empty.json"), "{}");
        assertThatThrownBy(() -> SrhProfile.load(dir.resolve("empty.json").toString()))
                .hasMessageContaining("field 'format' must be text and is missing");
    }
}
