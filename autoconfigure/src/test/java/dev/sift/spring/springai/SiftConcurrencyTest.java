package dev.sift.spring.springai;

import dev.sift.engine.SharedModels;
import dev.sift.engine.chat.ChatMessage;
import dev.sift.engine.sampling.SamplingOptions;
import dev.sift.spring.SiftBusyException;
import dev.sift.spring.SiftChatRequest;
import dev.sift.spring.SiftEngine;
import dev.sift.spring.SiftEngineAutoConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.BaseSubscriber;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One engine bean under concurrent Spring AI requests: {@code sift.max-concurrent-sessions} generate
 * at once, each in its own KV cache, {@code sift.max-queued-requests} wait, and the rest are rejected
 * at once; a cancelled stream ends its generation and frees its session and KV cache.
 */
class SiftConcurrencyTest {

    private static final List<String> PROMPTS = List.of("Once upon a time", "The little dog", "Lily and Ben",
            "One day, a girl", "The sun was", "Tom had a big");

    /** Threads of their own: the common pool may have a single worker, which one blocked request would hold. */
    private final ExecutorService threads = Executors.newCachedThreadPool();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SiftEngineAutoConfiguration.class, SiftSpringAiAutoConfiguration.class))
            .withPropertyValues("sift.model.path=" + SharedModels.model("stories260K.gguf"), "sift.model.threads=2",
                    "sift.model.context-length=512", "sift.chat.temperature=0", "sift.chat.max-tokens=16");

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void sixteenConcurrentCallsEachEqualTheSameCallAlone() {
        runner.withPropertyValues("sift.max-concurrent-sessions=4", "sift.max-queued-requests=16").run(context -> {
            ChatModel model = context.getBean(ChatModel.class);
            List<String> alone = new ArrayList<>();
            for (String prompt : PROMPTS) {
                alone.add(model.call(new Prompt(prompt)).getResult().getOutput().getText());
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
                        return model.call(new Prompt(prompt)).getResult().getOutput().getText();
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
        });
    }

    @Test
    void aRequestBeyondTheLimitsIsRejectedAtOnce() {
        runner.withPropertyValues("sift.max-concurrent-sessions=1", "sift.max-queued-requests=0").run(context -> {
            SiftEngine engine = context.getBean(SiftEngine.class);
            ChatModel model = context.getBean(ChatModel.class);
            CountDownLatch generating = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            // The first request holds the only session until the test releases it.
            CompletableFuture<?> first = CompletableFuture.runAsync(() -> engine.chat(request(engine, "Once upon a time"), piece -> {
                generating.countDown();
                await(release);
            }), threads);
            try {
                assertThat(generating.await(1, TimeUnit.MINUTES)).isTrue();
                assertThat(engine.stats().activeRequests()).isEqualTo(1);
                assertThatThrownBy(() -> model.call(new Prompt("The little dog")))
                        .isInstanceOf(SiftBusyException.class)
                        .hasMessageContaining("sift.max-concurrent-sessions=1")
                        .hasMessageContaining("sift.max-queued-requests=0");
            } finally {
                release.countDown();
            }
            first.get(1, TimeUnit.MINUTES);
            // With the session free again, the same request is served.
            assertThat(model.call(new Prompt("The little dog")).getResult().getOutput().getText()).isNotBlank();
            assertThat(engine.stats().activeRequests()).isZero();
        });
    }

    @Test
    void aWaitingRequestRunsOnceTheSessionIsFree() {
        runner.withPropertyValues("sift.max-concurrent-sessions=1", "sift.max-queued-requests=1").run(context -> {
            SiftEngine engine = context.getBean(SiftEngine.class);
            ChatModel model = context.getBean(ChatModel.class);
            CountDownLatch generating = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<?> first = CompletableFuture.runAsync(() -> engine.chat(request(engine, "Once upon a time"), piece -> {
                generating.countDown();
                await(release);
            }), threads);
            CompletableFuture<String> second;
            try {
                assertThat(generating.await(1, TimeUnit.MINUTES)).isTrue();
                second = CompletableFuture.supplyAsync(() -> model.call(new Prompt("The little dog")).getResult().getOutput().getText(),
                        threads);
                waitUntil(() -> engine.stats().queuedRequests() == 1);
                // The queue (1) is full now: a third request is rejected.
                assertThatThrownBy(() -> model.call(new Prompt("Lily and Ben"))).isInstanceOf(SiftBusyException.class);
            } finally {
                release.countDown();
            }
            first.get(1, TimeUnit.MINUTES);
            assertThat(second.get(1, TimeUnit.MINUTES)).isNotBlank();
        });
    }

    @Test
    void disposingAStreamAfterTheFirstChunkEndsTheGenerationAndFreesItsKvCache() {
        runner.withPropertyValues("sift.chat.max-tokens=400", "sift.max-concurrent-sessions=1").run(context -> {
            SiftEngine engine = context.getBean(SiftEngine.class);
            ChatModel model = context.getBean(ChatModel.class);
            AtomicInteger chunks = new AtomicInteger();
            AtomicLong kvBytesWhileStreaming = new AtomicLong();
            CountDownLatch disposed = new CountDownLatch(1);
            // Chunks are delivered on the generating thread, so the stream is disposed before the next
            // token is generated: the next piece sees the cancellation and ends the generation.
            model.stream(new Prompt("Once upon a time")).subscribe(new BaseSubscriber<ChatResponse>() {
                @Override
                protected void hookOnSubscribe(Subscription subscription) {
                    request(1);
                }

                @Override
                protected void hookOnNext(ChatResponse value) {
                    chunks.incrementAndGet();
                    kvBytesWhileStreaming.set(engine.stats().kvBytes());
                    dispose();
                    disposed.countDown();
                }
            });
            assertThat(disposed.await(1, TimeUnit.MINUTES)).isTrue();
            waitUntil(() -> engine.stats().activeRequests() == 0);
            assertThat(chunks).hasValue(1);
            // The prompt and the first token were in the cache; with the stream gone, nothing is.
            assertThat(kvBytesWhileStreaming.get()).isPositive();
            assertThat(engine.stats().kvBytes()).isZero();
            // A reply that ran to its end would have been counted; the cancelled one was not.
            assertThat(engine.stats().generatedTokens()).isZero();
            // The session is free for the next request.
            assertThat(model.call(new Prompt("The little dog")).getResult().getOutput().getText()).isNotBlank();
        });
    }

    private static SiftChatRequest request(SiftEngine engine, String prompt) {
        return new SiftChatRequest(List.of(ChatMessage.user(prompt)), List.<Map<String, Object>>of(),
                SamplingOptions.GREEDY, 16, List.of(), engine.defaultCompression(), null);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
