package dev.sift.engine.generation;

/**
 * Token counts of one generation.
 *
 * @param promptTokens     tokens of the prompt that were fed to the model
 * @param completionTokens tokens generated
 */
public record Usage(int promptTokens, int completionTokens) {

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
