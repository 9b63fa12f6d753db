package dev.sift.spring.langchain4j;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.sift.engine.SharedModels;
import dev.sift.spring.SiftEngine;
import dev.sift.spring.SiftEngineAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One engine bean under concurrent LangChain4j requests: each reply equals the same request run
 * alone (greedy), so the KV caches of requests generating at once never mix; a stream cancelled
 * through its {@code StreamingHandle} ends and frees its KV cache.
 */
class SiftLangChain4jConcurrencyTest {

    private static final List<String> PROMPTS = List.of("Once upon a time", "The little dog", "Lily and Ben",
            "One day, a girl", "The sun was", "Tom had a big");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SiftEngineAutoConfiguration.class, SiftLangChain4jAutoConfiguration.class))
            .withPropertyValues("sift.model.path=" + SharedModels.model("stories260K.gguf"), "sift.model.threads=2",
                    "sift.model.context-length=512", "sift.chat.temperature=0", "sift.chat.max-tokens=16");

    @Test
    void sixteenConcurrentChatsEachEqualTheSameChatAlone() {
        runner.withPropertyValues("sift.max-concurrent-sessions=4", "sift.max-queued-requests=16").run(context -> {
            SiftLangChain4jChatModel model = context.getBean(SiftLangChain4jChatModel.class);
            List<String> alone = new ArrayList<>();
            for (String prompt : PROMPTS) {
                alone.add(model.chat(prompt));
            }
            assertThat(alone).doesNotHaveDuplicates();

            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<String>> replies = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    String prompt = PROMPTS.get(i % PROMPTS.size());
                    replies.add(pool.submit(() -> {
                        start.await();
                        return model.chat(prompt);
                    }));
                }
                start.countDown();
                for (int i = 0; i < 16; i++) {
                    assertThat(replies.get(i).get(2, TimeUnit.MINUTES)).as("reply %d", i)
                            .isEqualTo(alone.get(i % PROMPTS.size()));
                }
            } finally {
                pool.shutdownNow();
            }
            SiftEngine.Stats stats = context.getBean(SiftEngine.class).stats();
            assertThat(stats.activeRequests()).isZero();
            assertThat(stats.queuedRequests()).isZero();
            assertThat(stats.kvBytes()).isZero();
        });
    }

    @Test
    void cancellingAStreamThroughItsHandleEndsTheGenerationAndFreesItsKvCache() {
        runner.withPropertyValues("sift.chat.max-tokens=400").run(context -> {
            SiftEngine engine = context.getBean(SiftEngine.class);
            SiftLangChain4jStreamingChatModel model = context.getBean(SiftLangChain4jStreamingChatModel.class);
            AtomicInteger pieces = new AtomicInteger();
            AtomicInteger endings = new AtomicInteger();
            AtomicLong kvBytesWhileStreaming = new AtomicLong();
            CountDownLatch cancelled = new CountDownLatch(1);
            model.chat(ChatRequest.builder().messages(UserMessage.from("Once upon a time")).build(),
                    new StreamingChatResponseHandler() {
                        @Override
                        public void onPartialResponse(PartialResponse partial, PartialResponseContext streaming) {
                            pieces.incrementAndGet();
                            kvBytesWhileStreaming.set(engine.stats().kvBytes());
                            streaming.streamingHandle().cancel();
                            cancelled.countDown();
                        }

                        @Override
                        public void onCompleteResponse(ChatResponse response) {
                            endings.incrementAndGet();
                        }

                        @Override
                        public void onError(Throwable error) {
                            endings.incrementAndGet();
                        }
                    });
            assertThat(cancelled.await(1, TimeUnit.MINUTES)).isTrue();
            waitUntil(() -> engine.stats().activeRequests() == 0);
            assertThat(pieces).hasValue(1);
            assertThat(endings).as("a cancelled stream neither completes nor fails").hasValue(0);
            assertThat(kvBytesWhileStreaming.get()).isPositive();
            assertThat(engine.stats().kvBytes()).isZero();
            // A reply that ran to its end would have been counted; the cancelled one was not.
            assertThat(engine.stats().generatedTokens()).isZero();
        });
    }

    /** Waits for a state another thread brings about; the bound only keeps a broken build from hanging. */
    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited a minute for the condition").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
