package dev.sift.spring;

import dev.sift.engine.kv.Budget;
import dev.sift.engine.kv.CompressionMethodKind;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.kv.SentenceOptions;
import dev.sift.engine.kv.SrhProfile;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Checks {@code sift.*} values before anything is loaded, so a mistake fails startup with a message
 * naming the property rather than surfacing later inside the engine.
 */
final class SiftPropertiesValidator {

    private SiftPropertiesValidator() {
    }

    /**
     * The compression defaults from {@code sift.compression.*}.
     *
     * @throws InvalidSiftPropertyException naming the property at fault
     */
    static CompressionOptions compression(SiftProperties.Compression compression) {
        CompressionMethodKind method;
        try {
            method = CompressionMethodKind.parse(compression.getMethod());
        } catch (IllegalArgumentException e) {
            throw new InvalidSiftPropertyException("sift.compression.method", compression.getMethod(), e.getMessage(),
                    Arrays.stream(CompressionMethodKind.values()).map(CompressionMethodKind::label)
                            .collect(Collectors.joining(", ")));
        }
        Budget budget;
        try {
            budget = Budget.parse(compression.getBudget());
        } catch (IllegalArgumentException e) {
            throw new InvalidSiftPropertyException("sift.compression.budget", compression.getBudget(), e.getMessage(),
                    "a positive token count such as 2048, or a share of the prompt such as 10%");
        }
        atLeast("sift.compression.sinks", compression.getSinks(), 0, "0 or a positive token count");
        atLeast("sift.compression.window", compression.getWindow(), 1, "a positive token count such as 32");
        SiftProperties.Sentence sentence = compression.getSentence();
        atLeast("sift.compression.sentence.store-factor", sentence.getStoreFactor(), 0,
                "0 (keep the whole prompt) or a positive multiple of the budget such as 3");
        atLeast("sift.compression.sentence.reselect-interval", sentence.getReselectInterval(), 0,
                "0 (at sentence ends only) or a positive token count such as 16");
        SentenceOptions.Scoring scoring;
        try {
            scoring = SentenceOptions.Scoring.parse(sentence.getScoring());
        } catch (IllegalArgumentException e) {
            throw new InvalidSiftPropertyException("sift.compression.sentence.scoring", sentence.getScoring(), e.getMessage(),
                    "bound, mean-key or attention");
        }
        CompressionOptions options = CompressionOptions.of(method, budget).withSinks(compression.getSinks())
                .withWindow(compression.getWindow()).withProfile(profile(compression.getProfile()))
                .withSentence(SentenceOptions.DEFAULTS.withStoreFactor(sentence.getStoreFactor())
                        .withReselectInterval(sentence.getReselectInterval()).withScoring(scoring));
        try {
            // The check every request makes, run once at startup.
            options.budgetTokens(options.reserved());
        } catch (IllegalArgumentException e) {
            throw new InvalidSiftPropertyException("sift.compression.budget", compression.getBudget(), e.getMessage(),
                    "a token count of at least " + options.reserved() + ", or a share such as 10%");
        }
        return options;
    }

    /** What {@code sift.compression.profile} is expected to name. */
    static final String PROFILE_VALUES = "a profile written by 'sift calibrate' for this model: a file path or "
            + "classpath:path/profile.json";

    /** The SRH profile at {@code location}; {@code null} when none is configured. */
    private static SrhProfile profile(String location) {
        if (location == null || location.isBlank()) {
            return null;
        }
        try {
            return SrhProfile.load(location.strip());
        } catch (NoSuchFileException e) {
            throw new InvalidSiftPropertyException("sift.compression.profile", location, "no such file", PROFILE_VALUES, e);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidSiftPropertyException("sift.compression.profile", location, e.getMessage(), PROFILE_VALUES, e);
        }
    }

    static void validate(SiftProperties properties) {
        compression(properties.getCompression());
        ModelLocator.validate(properties.getModel());
        atLeast("sift.max-concurrent-sessions", properties.getMaxConcurrentSessions(), 1,
                "a positive number of requests generating at once, such as 4");
        atLeast("sift.max-queued-requests", properties.getMaxQueuedRequests(), 0,
                "0 (reject when all sessions are busy) or a positive queue length such as 16");
        SiftProperties.Model model = properties.getModel();
        atLeast("sift.model.context-length", model.getContextLength(), 0, "0 (the model's) or a positive token count");
        atLeast("sift.model.threads", model.getThreads(), 0, "0 (all processors) or a positive thread count");

        SiftProperties.Chat chat = properties.getChat();
        if (!(chat.getTemperature() >= 0)) {
            throw new InvalidSiftPropertyException("sift.chat.temperature", chat.getTemperature(), "must not be negative",
                    "0 (greedy) or a positive number such as 0.7");
        }
        if (!(chat.getTopP() > 0 && chat.getTopP() <= 1)) {
            throw new InvalidSiftPropertyException("sift.chat.top-p", chat.getTopP(), "out of range", "a number in (0, 1]");
        }
        atLeast("sift.chat.top-k", chat.getTopK(), 0, "0 (off) or a positive count");
        atLeast("sift.chat.max-tokens", chat.getMaxTokens(), 0, "0 (rest of the context) or a positive count");
        if (!(chat.getRepeatPenalty() > 0)) {
            throw new InvalidSiftPropertyException("sift.chat.repeat-penalty", chat.getRepeatPenalty(), "must be positive",
                    "1 (off) or a positive number such as 1.1");
        }
        if (chat.getStop().stream().anyMatch(s -> s == null || s.isEmpty())) {
            throw new InvalidSiftPropertyException("sift.chat.stop", chat.getStop(), "contains an empty stop sequence",
                    "non-empty text sequences");
        }
    }

    private static void atLeast(String property, int value, int minimum, String valid) {
        if (value < minimum) {
            throw new InvalidSiftPropertyException(property, value, "must be at least " + minimum, valid);
        }
    }
}
