package dev.sift.spring.actuate;

import dev.sift.spring.SiftEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the local model: {@code sift.requests.active}, {@code sift.conversations},
 * {@code sift.kv.bytes}, {@code sift.tokens} (tagged {@code kind=prompt|generated}) and
 * {@code sift.generation.tokens.per.second}.
 */
public class SiftMetrics implements MeterBinder {

    private final SiftEngine engine;

    public SiftMetrics(SiftEngine engine) {
        this.engine = engine;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("sift.requests.active", engine, e -> e.stats().activeRequests())
                .description("Chat requests being answered").register(registry);
        Gauge.builder("sift.conversations", engine, e -> e.stats().conversations())
                .description("Conversations whose KV caches are kept between turns").register(registry);
        Gauge.builder("sift.kv.bytes", engine, e -> e.stats().kvBytes()).baseUnit("bytes")
                .description("Key/value cache bytes held by kept conversations and requests being answered").register(registry);
        Gauge.builder("sift.generation.tokens.per.second", engine, e -> e.stats().tokensPerSecond())
                .description("Generation speed of the last reply").register(registry);
        FunctionCounter.builder("sift.tokens", engine, e -> e.stats().promptTokens()).tag("kind", "prompt")
                .description("Tokens read or generated").register(registry);
        FunctionCounter.builder("sift.tokens", engine, e -> e.stats().generatedTokens()).tag("kind", "generated")
                .description("Tokens read or generated").register(registry);
    }
}
