package dev.sift.spring.springai;

import dev.sift.engine.SharedModels;
import dev.sift.spring.SiftEngineAutoConfiguration;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Spring AI on stories260K: the model continues the conversation rendered with the Llama 2 format. */
class SiftChatModelTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SiftEngineAutoConfiguration.class, SiftSpringAiAutoConfiguration.class))
            .withPropertyValues("sift.model.path=" + SharedModels.model("stories260K.gguf"), "sift.model.threads=2",
                    "sift.model.context-length=512", "sift.chat.temperature=0", "sift.chat.max-tokens=24");

    @Test
    void chatClientCallAndStreamAgree() {
        runner.run(context -> {
            ChatClient client = ChatClient.create(context.getBean(ChatModel.class));
            String called = client.prompt().user("Once upon a time").call().content();
            List<String> streamed = client.prompt().user("Once upon a time").stream().content().collectList().block();
            assertThat(called).isNotBlank();
            assertThat(streamed).hasSizeGreaterThan(1);
            assertThat(String.join("", streamed).strip()).isEqualTo(called);
        });
    }

    @Test
    void responseMetadataCarriesUsageAndKvStatistics() {
        runner.run(context -> {
            ChatResponse response = ChatClient.create(context.getBean(ChatModel.class))
                    .prompt().user("Once upon a time").call().chatResponse();
            assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(24);
            assertThat(response.getMetadata().getUsage().getPromptTokens()).isPositive();
            assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("LENGTH");
            assertThat((String) response.getMetadata().get("sift.compression-method")).isEqualTo("none");
            assertThat((Long) response.getMetadata().get("sift.kv-bytes")).isPositive();
            assertThat(response.getMetadata().getModel()).isNotBlank();
        });
    }

    @Test
    void perRequestCompressionShowsInTheMetadata() {
        String longPrompt = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
                .repeat(6);
        runner.run(context -> {
            ChatClient client = ChatClient.create(context.getBean(ChatModel.class));
            ChatResponse full = client.prompt().user(longPrompt).call().chatResponse();
            ChatResponse compressed = client.prompt().user(longPrompt)
                    .options(SiftChatOptions.builder().compressionMethod("snapkv").compressionBudget("64"))
                    .call().chatResponse();
            assertThat((String) compressed.getMetadata().get("sift.compression-method")).isEqualTo("snapkv");
            assertThat((Long) compressed.getMetadata().get("sift.kv-bytes"))
                    .isLessThan((Long) full.getMetadata().get("sift.kv-bytes"));
            assertThat((Double) compressed.getMetadata().get("sift.kv-kept-ratio")).isLessThan(1.0);
        });
    }

    @Test
    void callsAreObservedAsGenAiOperations() {
        runner.withUserConfiguration(Observations.class).run(context -> {
            context.getBean(ChatModel.class).call("Once upon a time");
            TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
                    .hasObservationWithNameEqualTo("gen_ai.client.operation")
                    .that().hasLowCardinalityKeyValue("gen_ai.system", SiftChatModel.PROVIDER);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class Observations {
        @Bean
        TestObservationRegistry observationRegistry() {
            return TestObservationRegistry.create();
        }
    }

    @Test
    void backsOffWithoutSpringAi() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.ai"))
                .run(context -> assertThat(context).doesNotHaveBean("siftChatModel"));
    }

    @Test
    void backsOffWhenAnotherProviderIsChosen() {
        runner.withPropertyValues("spring.ai.model.chat=openai")
                .run(context -> assertThat(context).doesNotHaveBean(SiftChatModel.class));
    }

    @Test
    void aUserChatModelWins() {
        runner.withUserConfiguration(UserModel.class)
                .run(context -> assertThat(context.getBean(SiftChatModel.class)).isSameAs(UserModel.MODEL));
    }

    @Configuration(proxyBeanMethods = false)
    static class UserModel {
        static SiftChatModel MODEL;

        @Bean
        SiftChatModel userChatModel(dev.sift.spring.SiftEngine engine) {
            MODEL = new SiftChatModel(engine, io.micrometer.observation.ObservationRegistry.NOOP);
            return MODEL;
        }
    }

    @Test
    void optionsCombineAndMutate() {
        SiftChatOptions base = SiftChatOptions.builder().temperature(0.5).compressionMethod("snapkv").seed(1L).build();
        SiftChatOptions merged = base.mutate().combineWith(SiftChatOptions.builder().compressionBudget("10%").seed(2L)).build();
        assertThat(merged.getTemperature()).isEqualTo(0.5);
        assertThat(merged.getCompressionMethod()).isEqualTo("snapkv");
        assertThat(merged.getCompressionBudget()).isEqualTo("10%");
        assertThat(merged.getSeed()).isEqualTo(2L);
        assertThat(merged.mutate().build()).isEqualTo(merged);
    }
}
