package dev.sift.spring;

/**
 * A chat request was turned away at once because the engine is full: {@code sift.max-concurrent-sessions}
 * requests are generating and {@code sift.max-queued-requests} more are already waiting. Retry later
 * (an HTTP layer would answer 429 or 503).
 */
public class SiftBusyException extends RuntimeException {

    private final int maxConcurrentSessions;
    private final int maxQueuedRequests;

    public SiftBusyException(int maxConcurrentSessions, int maxQueuedRequests) {
        super("the Sift engine is busy: " + maxConcurrentSessions + " request(s) are generating (sift.max-concurrent-sessions="
                + maxConcurrentSessions + ") and " + maxQueuedRequests + " are waiting (sift.max-queued-requests="
                + maxQueuedRequests + "); retry later or raise these limits");
        this.maxConcurrentSessions = maxConcurrentSessions;
        this.maxQueuedRequests = maxQueuedRequests;
    }

    /** The {@code sift.max-concurrent-sessions} limit that was reached. */
    public int getMaxConcurrentSessions() {
        return maxConcurrentSessions;
    }

    /** The {@code sift.max-queued-requests} limit that was reached. */
    public int getMaxQueuedRequests() {
        return maxQueuedRequests;
    }
}
