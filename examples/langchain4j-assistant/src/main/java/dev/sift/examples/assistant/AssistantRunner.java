package dev.sift.examples.assistant;

import dev.langchain4j.data.document.Document;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

import java.util.concurrent.CompletableFuture;

/** The demo {@code spring-boot:run} shows; {@code assistant.demo=false} turns it off (the tests do). */
@Component
@ConditionalOnProperty(name = "assistant.demo", havingValue = "true", matchIfMissing = true)
public class AssistantRunner implements CommandLineRunner {

    private final Assistant assistant;
    private final DocumentQa.Retrieving retrievingQa;
    private final DocumentQa.WholeDocument wholeDocumentQa;
    private final KeywordContentRetriever retriever;
    private final Document document;

    public AssistantRunner(Assistant assistant, DocumentQa.Retrieving retrievingQa, DocumentQa.WholeDocument wholeDocumentQa,
                           KeywordContentRetriever retriever, Document longDocument) {
        this.assistant = assistant;
        this.retrievingQa = retrievingQa;
        this.wholeDocumentQa = wholeDocumentQa;
        this.retriever = retriever;
        this.document = longDocument;
    }

    @Override
    public void run(String... args) throws Exception {
        System.out.println("== Assistant, user alice, two turns (the second sees the first)");
        System.out.println("alice> Once upon a time there was a cat.");
        System.out.println("assistant> " + assistant.chat("alice", "Once upon a time there was a cat."));
        System.out.println("alice> What was the cat called?");
        System.out.println("assistant> " + assistant.chat("alice", "What was the cat called?"));

        System.out.println("== Assistant, user bob, streaming (bob's memory is his own)");
        System.out.print("assistant> ");
        CompletableFuture<Void> done = new CompletableFuture<>();
        assistant.chatStreaming("bob", "Tell me about a dragon.")
                .onPartialResponse(System.out::print)
                .onCompleteResponse(response -> done.complete(null))
                .onError(done::completeExceptionally)
                .start();
        done.join();
        System.out.println();

        String question = "Who had a gray cat named Pepper?";
        System.out.println("== Document of " + document.text().length() + " characters in "
                + retriever.segments().size() + " segments; question: " + question);
        System.out.println("retrieval> " + retrievingQa.answer(question));
        System.out.println("whole document> " + wholeDocumentQa.answer(document.text(), question));
    }
}
