package dev.sift.examples.assistant;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A LangChain4j assistant on a local model, run from the command line: per-user chat memory, a
 * clock tool, and two ways of answering questions about a long document (see the module README).
 */
@SpringBootApplication
public class AssistantApplication {

    public static void main(String[] args) {
        SpringApplication.run(AssistantApplication.class, args);
    }
}
