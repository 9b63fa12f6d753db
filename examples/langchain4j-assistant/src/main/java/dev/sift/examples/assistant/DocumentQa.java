package dev.sift.examples.assistant;

import dev.langchain4j.service.UserMessage;
import dev.langchain4j.service.V;

/** Question answering over a long document, two ways. */
public final class DocumentQa {

    private DocumentQa() {
    }

    /**
     * Retrieval: {@code AiServices} asks the {@link KeywordContentRetriever} for the segments that
     * share words with the question and appends them to it; only those segments reach the model.
     */
    public interface Retrieving {
        String answer(String question);
    }

    /**
     * Whole document in context: every word of the document reaches the model, and the engine's
     * KV-cache compression ({@code sift.compression.*}) keeps the cache within its budget.
     */
    public interface WholeDocument {
        @UserMessage("{{document}}\n\nQuestion: {{question}}\nAnswer:")
        String answer(@V("document") String document, @V("question") String question);
    }
}
