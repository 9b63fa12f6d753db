package dev.sift.examples.assistant;

import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.UserMessage;

/**
 * The assistant: LangChain4j's {@code AiServices} implements this interface. Each user (the
 * {@link MemoryId}) has a chat memory of their own.
 */
public interface Assistant {

    @SystemMessage("You are a friendly assistant. Use the tools to tell the time.")
    String chat(@MemoryId String user, @UserMessage String message);

    @SystemMessage("You are a friendly assistant. Use the tools to tell the time.")
    TokenStream chatStreaming(@MemoryId String user, @UserMessage String message);
}
