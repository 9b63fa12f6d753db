package dev.sift.spring.actuate;

import dev.sift.spring.SiftEngine;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the local model: up once it is loaded (or while a lazy model waits for its first
 * request), with the model, backend, active requests and the KV memory held.
 */
public class SiftHealthIndicator extends AbstractHealthIndicator {

    private final SiftEngine engine;

    public SiftHealthIndicator(SiftEngine engine) {
        super("Sift model health check failed");
        this.engine = engine;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        if (!engine.isLoaded()) {
            builder.up().withDetail("loaded", false).withDetail("load", "on first request");
            return;
        }
        SiftEngine.Stats stats = engine.stats();
        builder.up()
                .withDetail("loaded", true)
                .withDetail("model", engine.modelName())
                .withDetail("backend", engine.model().backendName())
                .withDetail("activeRequests", stats.activeRequests())
                .withDetail("conversations", stats.conversations())
                .withDetail("kvBytes", stats.kvBytes())
                .withDetail("freeHeapBytes", Runtime.getRuntime().maxMemory() - Runtime.getRuntime().totalMemory()
                        + Runtime.getRuntime().freeMemory());
    }
}
