package dev.sift.spring.actuate;

import dev.sift.engine.SharedModels;
import dev.sift.spring.SiftEngineAutoConfiguration;
import dev.sift.spring.springai.SiftSpringAiAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.ai.chat.prompt.Prompt;

import static org.assertj.core.api.Assertions.assertThat;

class SiftActuatorTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SiftEngineAutoConfiguration.class, SiftActuatorAutoConfiguration.class,
                    SiftSpringAiAutoConfiguration.class))
            .withPropertyValues("sift.model.path=" + SharedModels.model("stories260K.gguf"), "sift.model.threads=2",
                    "sift.chat.temperature=0", "sift.chat.max-tokens=10");

    @Test
    void healthReportsTheLoadedModel() {
        runner.run(context -> {
            Health health = context.getBean(SiftHealthIndicator.class).health(true);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("loaded", true).containsKey("backend").containsKey("kvBytes");
        });
    }

    @Test
    void aLazyModelIsUpBeforeItLoads() {
        runner.withPropertyValues("sift.model.load=lazy").run(context -> {
            Health health = context.getBean(SiftHealthIndicator.class).health(true);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("loaded", false);
        });
    }

    @Test
    void metersCountTokens() {
        runner.run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(SiftMetrics.class).bindTo(registry);
            context.getBean(ChatModel.class).call(new Prompt("Once upon a time"));
            assertThat(registry.get("sift.tokens").tag("kind", "generated").functionCounter().count()).isEqualTo(10);
            assertThat(registry.get("sift.tokens").tag("kind", "prompt").functionCounter().count()).isPositive();
            assertThat(registry.get("sift.requests.active").gauge().value()).isZero();
            assertThat(registry.get("sift.generation.tokens.per.second").gauge().value()).isPositive();
        });
    }

    @Test
    void backsOffWithoutActuatorAndMicrometer() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health", "io.micrometer.core"))
                .run(context -> assertThat(context).doesNotHaveBean(SiftHealthIndicator.class).doesNotHaveBean(SiftMetrics.class));
    }
}
