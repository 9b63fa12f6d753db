package dev.sift.spring;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.sift.engine.SharedModels;
import dev.sift.spring.langchain4j.SiftLangChain4jAutoConfiguration;
import dev.sift.spring.langchain4j.SiftLangChain4jChatModel;
import dev.sift.spring.langchain4j.SiftLangChain4jStreamingChatModel;
import dev.sift.spring.springai.SiftChatOptions;
import dev.sift.spring.springai.SiftSpringAiAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Memory over many requests: a thousand requests of every kind (Spring AI calls with and without a
 * conversation, Spring AI streams cancelled after their first piece, LangChain4j calls and streams)
 * leave the JVM's off-heap memory — direct buffers and mapped files — exactly as they found it, no
 * request's KV cache behind, and at most the 32 most recent conversations' caches; closing the
 * context unmaps the model.
 *
 * <p>On the CPU the engine allocates no native memory of its own: weights are the mapped file,
 * KV caches and activations live on the Java heap. So the two buffer pools and the engine's own
 * KV accounting are the whole off-heap picture.
 */
class SiftResourceTest {

    private static final int REQUESTS = 1000;
    /** Conversation ids used in turn, more than the engine keeps. */
    private static final int CONVERSATION_IDS = 40;
    private static final int KEPT_CONVERSATIONS = 32;
    private static final List<String> PROMPTS = List.of("Once upon a time", "The little dog", "Lily and Ben", "The sun was");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SiftEngineAutoConfiguration.class, SiftSpringAiAutoConfiguration.class,
                    SiftLangChain4jAutoConfiguration.class))
            .withPropertyValues("sift.model.path=" + SharedModels.model("stories260K.gguf"), "sift.model.threads=1",
                    "sift.model.context-length=256", "sift.chat.temperature=0", "sift.chat.max-tokens=4",
                    "sift.max-concurrent-sessions=2");

    /** A buffer pool's count and bytes at one moment. */
    private record PoolUse(long count, long bytes) {
        static PoolUse of(String pool) {
            BufferPoolMXBean bean = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(candidate -> candidate.getName().equals(pool)).findFirst().orElseThrow();
            return new PoolUse(bean.getCount(), bean.getMemoryUsed());
        }
    }

    @Test
    void aThousandRequestsLeaveNoOffHeapMemoryAndNoKvCacheBehind() {
        PoolUse mappedBeforeLoading = PoolUse.of("mapped");
        runner.run(context -> {
            SiftEngine engine = context.getBean(SiftEngine.class);
            ChatModel springAi = context.getBean(ChatModel.class);
            SiftLangChain4jChatModel langChain4j = context.getBean(SiftLangChain4jChatModel.class);
            SiftLangChain4jStreamingChatModel langChain4jStreaming = context.getBean(SiftLangChain4jStreamingChatModel.class);
            assertThat(PoolUse.of("mapped").count()).isEqualTo(mappedBeforeLoading.count() + 1);

            // Every kind once first, so that what the libraries allocate once is not counted.
            for (int i = 0; i < 5; i++) {
                request(i, springAi, langChain4j, langChain4jStreaming);
            }
            waitUntilIdle(engine);
            PoolUse direct = PoolUse.of("direct");
            PoolUse mapped = PoolUse.of("mapped");

            for (int i = 0; i < REQUESTS; i++) {
                request(i, springAi, langChain4j, langChain4jStreaming);
            }
            waitUntilIdle(engine);

            assertThat(PoolUse.of("direct")).isEqualTo(direct);
            assertThat(PoolUse.of("mapped")).isEqualTo(mapped);
            SiftEngine.Stats stats = engine.stats();
            assertThat(stats.queuedRequests()).isZero();
            assertThat(stats.conversations()).isEqualTo(KEPT_CONVERSATIONS);
            // Only the kept conversations hold KV memory, each at most a full context.
            assertThat(stats.kvBytes()).isPositive().isLessThanOrEqualTo(KEPT_CONVERSATIONS * fullContextKvBytes(engine));
        });
        assertThat(PoolUse.of("mapped")).as("the model is unmapped with the context").isEqualTo(mappedBeforeLoading);
    }

    /** Request {@code i}: one of five kinds in turn. */
    private static void request(int i, ChatModel springAi, SiftLangChain4jChatModel langChain4j,
                                SiftLangChain4jStreamingChatModel langChain4jStreaming) throws Exception {
        String prompt = PROMPTS.get(i % PROMPTS.size());
        switch (i % 5) {
            case 0 -> assertThat(springAi.call(new Prompt(prompt)).getResult().getOutput().getText()).isNotBlank();
            case 1 -> assertThat(springAi.call(new Prompt(prompt, SiftChatOptions.builder()
                    .conversationId("conversation-" + i / 5 % CONVERSATION_IDS).build())).getResult()).isNotNull();
            // take(1) cancels the stream after its first piece.
            case 2 -> assertThat(springAi.stream(new Prompt(prompt)).take(1).blockLast(Duration.ofMinutes(1))).isNotNull();
            case 3 -> assertThat(langChain4j.chat(prompt)).isNotBlank();
            default -> {
                CompletableFuture<ChatResponse> done = new CompletableFuture<>();
                langChain4jStreaming.chat(prompt, new StreamingChatResponseHandler() {
                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
                assertThat(done.get(1, TimeUnit.MINUTES).aiMessage().text()).isNotBlank();
            }
        }
    }

    private static long fullContextKvBytes(SiftEngine engine) {
        var config = engine.model().config();
        return 256L * config.layers() * config.kvHeads() * config.headDim() * 2 * Float.BYTES;
    }

    /** Waits until no request is being answered: cancelled streams end on their own thread. */
    private static void waitUntilIdle(SiftEngine engine) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (engine.stats().activeRequests() > 0) {
            assertThat(System.nanoTime()).as("waited a minute for the requests to end").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
