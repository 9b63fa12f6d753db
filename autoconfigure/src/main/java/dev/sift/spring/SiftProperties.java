package dev.sift.spring;

import dev.sift.engine.backend.Backend;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Configuration of the local model, under {@code sift.*}.
 */
@ConfigurationProperties(prefix = SiftProperties.PREFIX)
public class SiftProperties {

    public static final String PREFIX = "sift";

    /** Where the math runs: auto (CUDA when a usable GPU is found, else CPU), cpu or cuda. */
    private Backend backend = Backend.AUTO;

    /**
     * Chat requests that generate at the same time, each with its own KV cache; defaults to half the
     * available processors (at least 1). Further requests wait in a fair queue.
     */
    private int maxConcurrentSessions = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);

    /**
     * Chat requests that may wait for a free session; a request beyond that is rejected at once with a
     * SiftBusyException. 0 rejects every request that cannot start immediately.
     */
    private int maxQueuedRequests = 16;

    private final Model model = new Model();

    private final Compression compression = new Compression();

    private final Chat chat = new Chat();

    public Backend getBackend() {
        return backend;
    }

    public void setBackend(Backend backend) {
        this.backend = backend;
    }

    public int getMaxConcurrentSessions() {
        return maxConcurrentSessions;
    }

    public void setMaxConcurrentSessions(int maxConcurrentSessions) {
        this.maxConcurrentSessions = maxConcurrentSessions;
    }

    public int getMaxQueuedRequests() {
        return maxQueuedRequests;
    }

    public void setMaxQueuedRequests(int maxQueuedRequests) {
        this.maxQueuedRequests = maxQueuedRequests;
    }

    public Model getModel() {
        return model;
    }

    public Compression getCompression() {
        return compression;
    }

    public Chat getChat() {
        return chat;
    }

    /** When the model file is loaded. */
    public enum Load {
        /** At startup, so the first request is fast and a broken file fails startup. */
        EAGER,
        /** On the first request, so the application starts at once. */
        LAZY
    }

    /** The model file and how it is loaded. */
    public static class Model {

        /**
         * Path of a GGUF model file, absolute or relative to the working directory. Set this or uri,
         * not both.
         */
        private String path;

        /**
         * Location of a GGUF model: hf://owner/repo/file.gguf (downloaded once into the cache
         * directory), file:/path/model.gguf or classpath:models/model.gguf. Set this or path, not both.
         */
        private String uri;

        /** Context length of each conversation in tokens; 0 uses the length the model was trained for. */
        private int contextLength = 4096;

        /** Threads for the CPU backend's matrix products, the calling thread included; 0 uses every available processor. */
        private int threads = 0;

        /** Whether the model is loaded at startup (eager) or on the first request (lazy). */
        private Load load = Load.EAGER;

        /** Directory where models downloaded from hf:// URIs are kept; defaults to ~/.cache/sift/models. */
        private Path cacheDir = Path.of(System.getProperty("user.home"), ".cache", "sift", "models");

        /** Whether downloads are forbidden: an hf:// model must already be in the cache directory. */
        private boolean offline = false;

        /** Base URL of the Hugging Face hub, for mirrors. */
        private String hubUrl = "https://huggingface.co";

        public String getPath() {
            return path;
        }

        /** A blank path is no path, so that a command line can clear the one a configuration file sets. */
        public void setPath(String path) {
            this.path = path == null || path.isBlank() ? null : path;
        }

        public String getUri() {
            return uri;
        }

        /** A blank URI is no URI, as a blank path. */
        public void setUri(String uri) {
            this.uri = uri == null || uri.isBlank() ? null : uri;
        }

        public int getContextLength() {
            return contextLength;
        }

        public void setContextLength(int contextLength) {
            this.contextLength = contextLength;
        }

        public int getThreads() {
            return threads;
        }

        public void setThreads(int threads) {
            this.threads = threads;
        }

        public Load getLoad() {
            return load;
        }

        public void setLoad(Load load) {
            this.load = load;
        }

        public Path getCacheDir() {
            return cacheDir;
        }

        public void setCacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
        }

        public boolean isOffline() {
            return offline;
        }

        public void setOffline(boolean offline) {
            this.offline = offline;
        }

        public String getHubUrl() {
            return hubUrl;
        }

        public void setHubUrl(String hubUrl) {
            this.hubUrl = hubUrl;
        }
    }

    /** KV-cache compression defaults; each request may override them. */
    public static class Compression {

        /** Compression method: none, streaming, snapkv, pyramidkv, sentence, srh, srh-uniform or srh-kvhead. */
        private String method = "none";

        /** KV entries kept per layer: a token count such as 2048, or a share of the prompt such as 10%. */
        private String budget = "2048";

        /** Most recent prompt tokens always kept, and used as the observation window for scoring. */
        private int window = 32;

        /** First tokens always kept (attention sinks). */
        private int sinks = 4;

        /** The sentence method's store and re-selection. */
        private final Sentence sentence = new Sentence();

        /**
         * SRH profile of the model for the srh methods, written by 'sift calibrate': a file path or a
         * classpath: location. Without one, srh lets every query head vote and gives every layer the same budget.
         */
        private String profile;

        public String getMethod() {
            return method;
        }

        public void setMethod(String method) {
            this.method = method;
        }

        public String getBudget() {
            return budget;
        }

        public void setBudget(String budget) {
            this.budget = budget;
        }

        public int getWindow() {
            return window;
        }

        public void setWindow(int window) {
            this.window = window;
        }

        public int getSinks() {
            return sinks;
        }

        public void setSinks(int sinks) {
            this.sinks = sinks;
        }

        public String getProfile() {
            return profile;
        }

        public void setProfile(String profile) {
            this.profile = profile;
        }

        public Sentence getSentence() {
            return sentence;
        }
    }

    /** Settings of the sentence method: its store and when it chooses the sentences attention reads. */
    public static class Sentence {

        /** The store keeps this many times the budget in whole prompt sentences; 0 keeps the whole prompt. */
        private int storeFactor = 3;

        /** Also choose the active sentences every this many generated tokens; 0 chooses at sentence ends only. */
        private int reselectInterval = 0;

        /** How stored sentences are scored against the current queries: bound (key min/max), mean-key, or attention (exact, costlier). */
        private String scoring = "bound";

        public int getStoreFactor() {
            return storeFactor;
        }

        public void setStoreFactor(int storeFactor) {
            this.storeFactor = storeFactor;
        }

        public int getReselectInterval() {
            return reselectInterval;
        }

        public void setReselectInterval(int reselectInterval) {
            this.reselectInterval = reselectInterval;
        }

        public String getScoring() {
            return scoring;
        }

        public void setScoring(String scoring) {
            this.scoring = scoring;
        }
    }

    /** Default generation settings of chat requests; each request may override them. */
    public static class Chat {

        /** Sampling temperature; 0 always picks the most likely token. */
        private double temperature = 0.8;

        /** Nucleus sampling: keep the most likely tokens whose probabilities add up to this; 1 disables. */
        private double topP = 0.95;

        /** Keep only this many most likely tokens; 0 disables. */
        private int topK = 40;

        /** Most tokens generated per reply; 0 allows the rest of the context. */
        private int maxTokens = 512;

        /** Text sequences that end a reply (not included in it). */
        private List<String> stop = new ArrayList<>();

        /** Random seed for reproducible replies; unset draws a new seed per request. */
        private Long seed;

        /** Penalty for repeating recent tokens; 1 disables. */
        private double repeatPenalty = 1.0;

        public double getTemperature() {
            return temperature;
        }

        public void setTemperature(double temperature) {
            this.temperature = temperature;
        }

        public double getTopP() {
            return topP;
        }

        public void setTopP(double topP) {
            this.topP = topP;
        }

        public int getTopK() {
            return topK;
        }

        public void setTopK(int topK) {
            this.topK = topK;
        }

        public int getMaxTokens() {
            return maxTokens;
        }

        public void setMaxTokens(int maxTokens) {
            this.maxTokens = maxTokens;
        }

        public List<String> getStop() {
            return stop;
        }

        public void setStop(List<String> stop) {
            this.stop = stop;
        }

        public Long getSeed() {
            return seed;
        }

        public void setSeed(Long seed) {
            this.seed = seed;
        }

        public double getRepeatPenalty() {
            return repeatPenalty;
        }

        public void setRepeatPenalty(double repeatPenalty) {
            this.repeatPenalty = repeatPenalty;
        }
    }
}
