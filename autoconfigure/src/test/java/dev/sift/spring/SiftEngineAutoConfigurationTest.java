package dev.sift.spring;

import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.SentenceOptions;
import dev.sift.engine.SharedModels;
import dev.sift.engine.backend.cuda.CudaAvailability;
import dev.sift.engine.generation.GenerationListener;
import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.Session;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class SiftEngineAutoConfigurationTest {

    static final String STORIES = SharedModels.model("stories260K.gguf").toString();
    /** stories260K's SRH profile, a test resource of the engine. */
    static final String STORIES_PROFILE = "classpath:dev/sift/engine/kv/stories260K.srh.json";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SiftEngineAutoConfiguration.class));

    @Test
    void loadsTheModelEagerlyAndBindsProperties() {
        runner.withPropertyValues("sift.model.path=" + STORIES, "sift.model.context-length=512", "sift.model.threads=2",
                        "sift.chat.temperature=0.3", "sift.chat.top-k=7", "sift.chat.stop=END,STOP",
                        "sift.compression.method=snapkv", "sift.compression.budget=10%")
                .run(context -> {
                    SiftEngine engine = context.getBean(SiftEngine.class);
                    assertThat(engine.isLoaded()).isTrue();
                    assertThat(engine.model().config().layers()).isEqualTo(5);
                    SiftProperties properties = context.getBean(SiftProperties.class);
                    assertThat(properties.getModel().getContextLength()).isEqualTo(512);
                    assertThat(properties.getChat().getStop()).containsExactly("END", "STOP");
                    assertThat(properties.getCompression().getBudget()).isEqualTo("10%");
                    assertThat(engine.defaultSampling().temperature()).isEqualTo(0.3f);
                    assertThat(engine.defaultSampling().topK()).isEqualTo(7);
                });
    }

    @Test
    void aBlankPathOrUriCountsAsUnset() {
        runner.withPropertyValues("sift.model.path=" + STORIES, "sift.model.uri=")
                .run(context -> assertThat(context.getBean(SiftEngine.class).isLoaded()).isTrue());
        runner.withPropertyValues("sift.model.path= ")
                .run(context -> assertThat(analysis(context.getStartupFailure()).getDescription())
                        .contains("'sift.model.path'").contains("no model is configured"));
    }

    @Test
    void lazyLoadingWaitsForFirstUse() {
        runner.withPropertyValues("sift.model.path=" + STORIES, "sift.model.load=lazy")
                .run(context -> {
                    SiftEngine engine = context.getBean(SiftEngine.class);
                    assertThat(engine.isLoaded()).isFalse();
                    assertThat(engine.modelName()).isNotBlank();
                    assertThat(engine.isLoaded()).isTrue();
                });
    }

    @Test
    void aRelativePathWithParentSegmentsResolvesAgainstTheWorkingDirectory() {
        String relative = java.nio.file.Path.of("").toAbsolutePath()
                .relativize(SharedModels.model("stories260K.gguf").toAbsolutePath()).toString();
        assertThat(relative).startsWith("..");
        runner.withPropertyValues("sift.model.path=" + relative)
                .run(context -> assertThat(context.getBean(SiftEngine.class).isLoaded()).isTrue());
    }

    @Test
    void fileUriWorksLikeAPath() {
        runner.withPropertyValues("sift.model.uri=" + SharedModels.model("stories260K.gguf").toUri())
                .run(context -> assertThat(context.getBean(SiftEngine.class).isLoaded()).isTrue());
    }

    @Test
    void aUserEngineBeanWins() {
        runner.withUserConfiguration(UserEngine.class)
                .run(context -> assertThat(context.getBean(SiftEngine.class)).isSameAs(UserEngine.ENGINE));
    }

    @Configuration(proxyBeanMethods = false)
    static class UserEngine {
        static final SiftEngine ENGINE = newLazyEngine();

        private static SiftEngine newLazyEngine() {
            SiftProperties properties = new SiftProperties();
            properties.getModel().setPath(SharedModels.model("stories260K.gguf").toString());
            properties.getModel().setLoad(SiftProperties.Load.LAZY);
            return new SiftEngine(properties);
        }

        @Bean
        SiftEngine userEngine() {
            return ENGINE;
        }
    }

    @Test
    void missingModelFile() {
        assertFailure("sift.model.path=no/such/model.gguf", "sift.model.path", "no/such/model.gguf", "no such file");
    }

    @Test
    void bothPathAndUri() {
        runner.withPropertyValues("sift.model.path=" + STORIES, "sift.model.uri=hf://a/b/c.gguf")
                .run(context -> assertThat(analysis(context.getStartupFailure()).getDescription())
                        .contains("'sift.model.path'").contains("both sift.model.path and sift.model.uri are set"));
    }

    @Test
    void noModelAtAll() {
        runner.run(context -> assertThat(analysis(context.getStartupFailure()).getAction())
                .contains("sift.model.path").contains("sift.model.uri"));
    }

    @Test
    void malformedHfUri() {
        assertFailure("sift.model.uri=hf://only-owner", "sift.model.uri", "hf://only-owner", "expected hf://owner/repo");
    }

    @Test
    void unknownUriScheme() {
        assertFailure("sift.model.uri=ftp://host/model.gguf", "sift.model.uri", "ftp://host/model.gguf", "unknown URI scheme");
    }

    @Test
    void cudaWithoutAUsableGpuFailsNamingTheProperty() {
        Assumptions.assumeFalse(CudaAvailability.probe().available(), "this machine has a usable GPU");
        runner.withPropertyValues("sift.model.path=" + STORIES, "sift.backend=cuda")
                .run(context -> assertThat(analysis(context.getStartupFailure()).getDescription())
                        .contains("'sift.backend'").contains("CUDA is not usable"));
    }

    @Test
    void autoFallsBackToTheCpuWithoutAGpu() {
        Assumptions.assumeFalse(CudaAvailability.probe().available(), "this machine has a usable GPU");
        runner.withPropertyValues("sift.model.path=" + STORIES, "sift.backend=auto")
                .run(context -> assertThat(context.getBean(SiftEngine.class).model().backendName()).startsWith("cpu"));
    }

    @Test
    void aBudgetBelowSinksPlusWindow() {
        assertFailure("sift.compression.budget=20", "sift.compression.budget", "20", "less than the 4 sinks + 32 window");
    }

    @Test
    void invalidSentenceSettings() {
        assertFailure("sift.compression.sentence.store-factor=-1", "sift.compression.sentence.store-factor", "-1",
                "must be at least 0");
        assertFailure("sift.compression.sentence.scoring=cosine", "sift.compression.sentence.scoring", "cosine",
                "not one of: bound, mean-key, attention");
    }

    @Test
    void sentenceSettingsBecomeTheDefaultCompression() {
        runner.withPropertyValues("sift.model.path=" + STORIES, "sift.compression.method=sentence",
                        "sift.compression.budget=64", "sift.compression.sentence.store-factor=2",
                        "sift.compression.sentence.reselect-interval=8", "sift.compression.sentence.scoring=mean-key")
                .run(context -> {
                    CompressionOptions compression = context.getBean(SiftEngine.class).defaultCompression();
                    assertThat(compression.method()).isEqualTo(CompressionMethodKind.SENTENCE);
                    assertThat(compression.sentence()).isEqualTo(SentenceOptions.DEFAULTS.withStoreFactor(2)
                            .withReselectInterval(8).withScoring(SentenceOptions.Scoring.MEAN_KEY));
                });
    }

    @Test
    void srhReadsItsProfileFromTheClasspath() {
        runner.withPropertyValues("sift.model.path=" + STORIES, "sift.model.context-length=512", "sift.compression.method=srh",
                        "sift.compression.budget=40", "sift.compression.window=8", "sift.compression.profile=" + STORIES_PROFILE)
                .run(context -> {
                    SiftEngine engine = context.getBean(SiftEngine.class);
                    assertThat(engine.defaultCompression().profile().model().sameModel(engine.model().identity())).isTrue();
                    try (Session session = engine.model().newSession()) {
                        session.generate(GenerationRequest.text("Once upon a time, there was a little girl named Lily. "
                                + "She loved to play outside in the park with her dog and her red ball every day.")
                                .withMaxTokens(1), GenerationListener.NONE);
                        int[] perLayer = session.kvStats().tokensPerLayer();
                        // The calibrated layers share 5 × 40 tokens unevenly.
                        assertThat(Arrays.stream(perLayer).sum()).isEqualTo(5 * 40);
                        assertThat(perLayer).isNotEqualTo(new int[]{40, 40, 40, 40, 40});
                    }
                });
    }

    @Test
    void aMissingOrForeignSrhProfileFailsStartupNamingTheProperty() {
        assertFailure("sift.compression.profile=classpath:no/such/profile.json", "sift.compression.profile",
                "classpath:no/such/profile.json", "no SRH profile on the classpath at no/such/profile.json");
        assertFailure("sift.compression.profile=missing-profile.json", "sift.compression.profile", "missing-profile.json",
                "no such file");
        runner.withPropertyValues("sift.model.path=" + SharedModels.model("synthetic/tiny-llama-f32.gguf"),
                        "sift.compression.profile=" + STORIES_PROFILE)
                .run(context -> assertThat(analysis(context.getStartupFailure()).getDescription())
                        .contains("'sift.compression.profile'").contains("the SRH profile was calibrated on llama"));
    }

    @Test
    void invalidChatValues() {
        assertFailure("sift.chat.top-p=1.5", "sift.chat.top-p", "1.5", "out of range");
        assertFailure("sift.chat.max-tokens=-3", "sift.chat.max-tokens", "-3", "must be at least 0");
        assertFailure("sift.chat.temperature=-1", "sift.chat.temperature", "-1.0", "must not be negative");
    }

    @Test
    void invalidConcurrencyLimits() {
        assertFailure("sift.max-concurrent-sessions=0", "sift.max-concurrent-sessions", "0", "must be at least 1");
        assertFailure("sift.max-queued-requests=-1", "sift.max-queued-requests", "-1", "must be at least 0");
    }

    @Test
    void anInvalidEnumValueIsReportedByBinding() {
        runner.withPropertyValues("sift.model.path=" + STORIES, "sift.model.load=sometimes")
                .run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining("sift.model.load"));
    }

    private void assertFailure(String property, String name, String value, String reason) {
        runner.withPropertyValues(property.startsWith("sift.model.") ? property : "sift.model.path=" + STORIES, property)
                .run(context -> {
                    FailureAnalysis analysis = analysis(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("'" + name + "'").contains("'" + value + "'").contains(reason);
                    assertThat(analysis.getAction()).contains("Valid values:");
                });
    }

    static FailureAnalysis analysis(Throwable failure) {
        assertThat(failure).isNotNull();
        FailureAnalysis analysis = new SiftFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("failure analysis of %s", failure).isNotNull();
        return analysis;
    }
}
