package dev.sift.spring;

import dev.sift.engine.backend.Backend;
import dev.sift.engine.chat.ChatMessage;
import dev.sift.engine.chat.ChatTemplate;
import dev.sift.engine.chat.Conversation;
import dev.sift.engine.generation.GenerationListener;
import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.ModelOptions;
import dev.sift.engine.generation.Session;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.sampling.SamplingOptions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The application's one local model: located, loaded (at startup or on first use) and shared by
 * every chat model adapter, then closed with the application context.
 */
public class SiftEngine implements AutoCloseable {

    private static final Log log = LogFactory.getLog(SiftEngine.class);

    /** Conversations whose caches are kept between turns; the least recently used is closed first. */
    private static final int MAX_CONVERSATIONS = 32;

    private final SiftProperties properties;
    private final CompressionOptions compression;
    private final Object lock = new Object();
    private final Map<String, Conversation> conversations = new LinkedHashMap<>(16, 0.75f, true);
    /** Sessions of the requests without a conversation id being answered now, for {@link Stats#kvBytes}. */
    private final Set<Session> requestSessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger activeRequests = new AtomicInteger();
    /** Permits for {@code sift.max-concurrent-sessions} generating requests, handed out in arrival order. */
    private final Semaphore sessions;
    /** Requests waiting for a permit, at most {@code sift.max-queued-requests}. */
    private final AtomicInteger queuedRequests = new AtomicInteger();
    private final LongAdder generatedTokens = new LongAdder();
    private final LongAdder promptTokens = new LongAdder();
    private volatile double lastTokensPerSecond;
    private volatile LoadedModel model;
    private volatile ChatTemplate template;
    private volatile boolean closed;

    /**
     * Validates the properties and, for {@code sift.model.load=eager}, loads the model.
     *
     * @throws InvalidSiftPropertyException if a property is invalid
     */
    public SiftEngine(SiftProperties properties) {
        SiftPropertiesValidator.validate(properties);
        this.properties = properties;
        this.compression = SiftPropertiesValidator.compression(properties.getCompression());
        this.sessions = new Semaphore(properties.getMaxConcurrentSessions(), true);
        if (properties.getModel().getLoad() == SiftProperties.Load.EAGER) {
            model();
        }
    }

    /** The loaded model, loading it now if it is not loaded yet. */
    public LoadedModel model() {
        LoadedModel loaded = model;
        if (loaded != null) {
            return loaded;
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the Sift engine is closed");
            }
            if (model == null) {
                LoadedModel fresh = load();
                template = ChatTemplate.fromGguf(fresh.file());
                model = fresh;
            }
            return model;
        }
    }

    private LoadedModel load() {
        SiftProperties.Model settings = properties.getModel();
        Path file = ModelLocator.locate(settings);
        long start = System.nanoTime();
        try {
            LoadedModel loaded = LoadedModel.load(file, new ModelOptions(settings.getThreads(),
                    settings.getContextLength(), compression, properties.getBackend()));
            log.info(String.format("Loaded %s (%s, %d layers, context %d) on %s in %d ms", file.getFileName(),
                    loaded.config().architecture(), loaded.config().layers(),
                    settings.getContextLength() == 0 ? loaded.config().contextLength() : settings.getContextLength(),
                    loaded.backendName(), (System.nanoTime() - start) / 1_000_000));
            return loaded;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model file " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // Loading refuses a compression default only for an SRH profile calibrated on another model.
            if (compression.profile() != null) {
                throw new InvalidSiftPropertyException("sift.compression.profile", properties.getCompression().getProfile(),
                        e.getMessage(), SiftPropertiesValidator.PROFILE_VALUES, e);
            }
            throw e;
        } catch (IllegalStateException e) {
            if (properties.getBackend() == Backend.CUDA) {
                throw new InvalidSiftPropertyException("sift.backend", "cuda", e.getMessage(), "auto, cpu, cuda", e);
            }
            throw e;
        }
    }

    /**
     * Answers a chat request, streaming the reply's text to {@code listener}. Requests with a
     * conversation id continue that conversation's KV cache; others get a fresh one.
     *
     * <p>At most {@code sift.max-concurrent-sessions} requests generate at once; others wait in
     * arrival order, at most {@code sift.max-queued-requests} of them.
     *
     * @throws SiftBusyException      at once, if every session is busy and the queue is full
     * @throws CancellationException  if the thread is interrupted while waiting for a session
     */
    public Conversation.ChatReply chat(SiftChatRequest request, GenerationListener listener) {
        acquireSession();
        activeRequests.incrementAndGet();
        long start = System.nanoTime();
        try {
            Conversation.ChatReply reply = answer(request, listener);
            int generated = reply.result().usage().completionTokens();
            generatedTokens.add(generated);
            promptTokens.add(reply.result().usage().promptTokens());
            lastTokensPerSecond = generated / Math.max(1e-9, (System.nanoTime() - start) / 1e9);
            return reply;
        } finally {
            activeRequests.decrementAndGet();
            sessions.release();
        }
    }

    /** Takes a session permit, waiting in the bounded queue if none is free. */
    private void acquireSession() {
        try {
            // The timed form with 0 respects fairness: it fails, rather than overtakes, while others wait.
            if (sessions.tryAcquire(0, TimeUnit.SECONDS)) {
                return;
            }
            if (queuedRequests.incrementAndGet() > properties.getMaxQueuedRequests()) {
                queuedRequests.decrementAndGet();
                throw new SiftBusyException(properties.getMaxConcurrentSessions(), properties.getMaxQueuedRequests());
            }
            try {
                sessions.acquire();
            } finally {
                queuedRequests.decrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CancellationException cancelled = new CancellationException("interrupted while waiting for a free session");
            cancelled.initCause(e);
            throw cancelled;
        }
    }

    private Conversation.ChatReply answer(SiftChatRequest request, GenerationListener listener) {
        LoadedModel loaded = model();
        GenerationRequest settings = GenerationRequest.tokens()
                .withSampling(request.sampling())
                .withMaxTokens(request.maxTokens())
                .withStopSequences(request.stop())
                .withCompression(request.compression());
        if (request.conversationId() == null) {
            // The session, and with it the KV cache, ends with the request, however it ends.
            try (Conversation conversation = new Conversation(loaded, template, loaded.newSession())) {
                requestSessions.add(conversation.session());
                try {
                    return conversation.reply(request.messages(), request.tools(), settings, listener);
                } finally {
                    requestSessions.remove(conversation.session());
                }
            }
        }
        Conversation conversation = conversation(loaded, request.conversationId());
        synchronized (conversation) {
            return conversation.reply(request.messages(), request.tools(), settings, listener);
        }
    }

    private Conversation conversation(LoadedModel loaded, String id) {
        synchronized (conversations) {
            Conversation conversation = conversations.get(id);
            if (conversation == null) {
                conversation = new Conversation(loaded, template, loaded.newSession());
                conversations.put(id, conversation);
                if (conversations.size() > MAX_CONVERSATIONS) {
                    Map.Entry<String, Conversation> eldest = conversations.entrySet().iterator().next();
                    conversations.remove(eldest.getKey());
                    synchronized (eldest.getValue()) {
                        eldest.getValue().close();
                    }
                }
            }
            return conversation;
        }
    }

    /** Tokens of a conversation as the model's chat template renders it (no generation prompt). */
    public int promptTokenCount(List<ChatMessage> messages) {
        LoadedModel loaded = model();
        return loaded.tokenizer().encode(template.render(messages, false), false, true).length;
    }

    /**
     * Counters for health and metrics.
     *
     * @param activeRequests    chat requests being answered now
     * @param queuedRequests    chat requests waiting for a free session
     * @param conversations     conversations whose KV caches are kept between turns
     * @param kvBytes           key/value bytes held now: by the kept conversations and by the
     *                          requests being answered
     * @param promptTokens      prompt tokens read since startup
     * @param generatedTokens   tokens generated since startup
     * @param tokensPerSecond   generation speed of the last reply (prompt reading included)
     */
    public record Stats(int activeRequests, int queuedRequests, int conversations, long kvBytes, long promptTokens,
                        long generatedTokens, double tokensPerSecond) {
    }

    /** Current counters; cheap, safe from any thread. */
    public Stats stats() {
        int kept;
        long kvBytes = 0;
        synchronized (conversations) {
            kept = conversations.size();
            for (Conversation conversation : conversations.values()) {
                kvBytes += conversation.session().kvCache().keyValueBytes();
            }
        }
        for (Session session : requestSessions) {
            kvBytes += session.kvCache().keyValueBytes();
        }
        return new Stats(activeRequests.get(), queuedRequests.get(), kept, kvBytes, promptTokens.sum(),
                generatedTokens.sum(), lastTokensPerSecond);
    }

    /** The compression defaults from {@code sift.compression.*}. */
    public CompressionOptions defaultCompression() {
        return compression;
    }

    /** Whether the model has been loaded. */
    public boolean isLoaded() {
        return model != null;
    }

    /** A name for the model: {@code general.name} from the file, else the file name. */
    public String modelName() {
        LoadedModel loaded = model();
        return loaded.file().string("general.name").orElse(loaded.file().path().getFileName().toString());
    }

    /** The configured properties. */
    public SiftProperties properties() {
        return properties;
    }

    /**
     * The configured sampling with a request's portable overrides applied; a {@code null} override
     * keeps the configured value.
     */
    public SamplingOptions sampling(Double temperature, Double topP, Integer topK, Double frequencyPenalty,
                                    Double presencePenalty) {
        SamplingOptions sampling = defaultSampling();
        if (temperature != null) {
            sampling = sampling.withTemperature(temperature.floatValue());
        }
        if (topP != null) {
            sampling = sampling.withTopP(topP.floatValue());
        }
        if (topK != null) {
            sampling = sampling.withTopK(topK);
        }
        if (frequencyPenalty != null) {
            sampling = sampling.withFrequencyPenalty(frequencyPenalty.floatValue());
        }
        if (presencePenalty != null) {
            sampling = sampling.withPresencePenalty(presencePenalty.floatValue());
        }
        return sampling;
    }

    /** Sampling defaults from {@code sift.chat.*}. */
    public SamplingOptions defaultSampling() {
        SiftProperties.Chat chat = properties.getChat();
        return SamplingOptions.DEFAULTS
                .withTemperature((float) chat.getTemperature())
                .withTopP((float) chat.getTopP())
                .withTopK(chat.getTopK())
                .withRepetitionPenalty((float) chat.getRepeatPenalty())
                .withSeed(chat.getSeed());
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            synchronized (conversations) {
                conversations.values().forEach(Conversation::close);
                conversations.clear();
            }
            if (model != null) {
                model.close();
                model = null;
            }
        }
    }
}
