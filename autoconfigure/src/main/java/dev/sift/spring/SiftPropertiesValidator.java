package dev.sift.spring;

/**
 * Checks {@code sift.*} values before anything is loaded, so a mistake fails startup with a message
 * naming the property rather than surfacing later inside the engine.
 */
final class SiftPropertiesValidator {

    private SiftPropertiesValidator() {
    }

    static void validate(SiftProperties properties) {
        ModelLocator.validate(properties.getModel());
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
