package dev.sift.engine.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A prompt to evaluate compression on.
 *
 * @param name where it came from (a file name, or the paragraph number of a text file)
 * @param text the prompt text
 */
public record EvalPrompt(String name, String text) {

    /**
     * Reads prompts from a folder of JSON files (the {@code prompt} field of each {@code *.json}, in
     * file-name order, as in the shared reference cases), one JSON file, or a text file holding one
     * prompt per paragraph (paragraphs are separated by blank lines).
     *
     * @throws IOException              if a file cannot be read
     * @throws IllegalArgumentException if a JSON file has no {@code prompt} text, or there is no prompt
     */
    public static List<EvalPrompt> load(Path path) throws IOException {
        List<EvalPrompt> prompts = new ArrayList<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.list(path)) {
                for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    prompts.add(fromJson(file));
                }
            }
        } else if (path.getFileName().toString().endsWith(".json")) {
            prompts.add(fromJson(path));
        } else {
            String[] paragraphs = Files.readString(path).strip().split("\\R\\s*\\R");
            for (int i = 0; i < paragraphs.length; i++) {
                if (!paragraphs[i].isBlank()) {
                    prompts.add(new EvalPrompt("paragraph " + (i + 1), paragraphs[i].strip()));
                }
            }
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompts in " + path + " (a folder of *.json files with a 'prompt' field,"
                    + " or a text file with one prompt per paragraph)");
        }
        return prompts;
    }

    private static EvalPrompt fromJson(Path file) throws IOException {
        JsonNode prompt = new ObjectMapper().readTree(file.toFile()).path("prompt");
        if (!prompt.isTextual()) {
            throw new IllegalArgumentException(file + " has no 'prompt' text field");
        }
        String name = file.getFileName().toString();
        return new EvalPrompt(name.substring(0, name.length() - ".json".length()), prompt.asText());
    }
}
