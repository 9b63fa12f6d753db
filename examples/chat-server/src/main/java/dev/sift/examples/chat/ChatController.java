package dev.sift.examples.chat;

import dev.sift.engine.generation.ContextOverflowException;
import dev.sift.spring.SiftBusyException;
import dev.sift.spring.springai.SiftChatOptions;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The chat endpoints. Each request may choose its KV-cache compression, and a conversation id
 * keeps the conversation's cache on the server between turns.
 */
@RestController
public class ChatController {

    private final ChatClient chatClient;

    public ChatController(ChatModel chatModel) {
        // The memory advisor sends each conversation's history with its new message; the engine then
        // reuses the conversation's KV cache for the part it has already read.
        ChatMemory memory = MessageWindowChatMemory.builder().maxMessages(20).build();
        this.chatClient = ChatClient.builder(chatModel)
                .defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build())
                .build();
    }

    /**
     * One chat message.
     *
     * @param message           the user's message
     * @param conversationId    optional id whose KV cache is kept between turns
     * @param compressionMethod optional: none, streaming, snapkv, pyramidkv, sentence, srh, srh-uniform or srh-kvhead
     * @param compressionBudget optional: a token count such as 512 or a share such as 25%
     */
    public record ChatRequest(String message, String conversationId, String compressionMethod, String compressionBudget) {
    }

    /** The reply and what producing it cost. */
    public record ChatReply(String reply, String finishReason, Map<String, Object> stats) {
    }

    @PostMapping(path = "/chat", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ChatReply chat(@RequestBody ChatRequest request) {
        ChatResponse response = chatClient.prompt().user(request.message())
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, conversation(request.conversationId())))
                .options(options(request.conversationId(), request.compressionMethod(), request.compressionBudget()))
                .call().chatResponse();
        return new ChatReply(response.getResult().getOutput().getText(),
                response.getResult().getMetadata().getFinishReason(), stats(response.getMetadata()));
    }

    /**
     * Server-sent events: {@code token} events whose data is {@code {"text": "..."}}, then one
     * {@code stats} event; or a {@code problem} event, {@code {"message": "..."}}, for a request the
     * model cannot answer. The text goes in JSON because the event-stream format drops a leading
     * space from each data line, and most tokens start with one.
     */
    @GetMapping(path = "/chat/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<ServerSentEvent<Object>> stream(@RequestParam String message,
                                                @RequestParam(required = false) String conversationId,
                                                @RequestParam(required = false) String compressionMethod,
                                                @RequestParam(required = false) String compressionBudget) {
        return chatClient.prompt().user(message)
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, conversation(conversationId)))
                .options(options(conversationId, compressionMethod, compressionBudget))
                .stream().chatResponse()
                .<ServerSentEvent<Object>>concatMap(response -> {
                    String text = response.getResult() == null ? null : response.getResult().getOutput().getText();
                    Flux<ServerSentEvent<Object>> token = text == null || text.isEmpty() ? Flux.empty()
                            : Flux.just(ServerSentEvent.builder((Object) Map.of("text", text)).event("token").build());
                    return response.getMetadata().getUsage().getCompletionTokens() > 0
                            ? token.concatWith(Flux.just(ServerSentEvent.builder((Object) stats(response.getMetadata()))
                                    .event("stats").build()))
                            : token;
                })
                // The response has started as an event stream: a request the model cannot answer ends it
                // with a "problem" event saying why.
                .onErrorResume(ChatController::isRequestProblem, e -> Flux.just(
                        ServerSentEvent.builder((Object) Map.of("message", e.getMessage())).event("problem").build()));
    }

    /**
     * A request the model cannot answer as asked: a conversation longer than the context, an unknown
     * compression method, a malformed budget. 400, naming the fault.
     */
    @ExceptionHandler({ContextOverflowException.class, IllegalArgumentException.class})
    public ProblemDetail badRequest(RuntimeException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    /** Every session is generating and the queue is full: 503, worth retrying. */
    @ExceptionHandler(SiftBusyException.class)
    public ProblemDetail busy(SiftBusyException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
    }

    private static boolean isRequestProblem(Throwable e) {
        return e instanceof ContextOverflowException || e instanceof IllegalArgumentException
                || e instanceof SiftBusyException;
    }

    /** Requests without an id get a fresh, unshared conversation. */
    private static String conversation(String id) {
        return id != null ? id : java.util.UUID.randomUUID().toString();
    }

    private static SiftChatOptions.Builder<?> options(String conversationId, String method, String budget) {
        return SiftChatOptions.builder().conversationId(conversationId).compressionMethod(method).compressionBudget(budget);
    }

    private static Map<String, Object> stats(ChatResponseMetadata metadata) {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("promptTokens", metadata.getUsage().getPromptTokens());
        stats.put("completionTokens", metadata.getUsage().getCompletionTokens());
        for (String key : new String[]{"sift.compression-method", "sift.compression-budget", "sift.kv-bytes",
                "sift.kv-kept-ratio", "sift.prompt-tokens-reused", "sift.prefill-ms", "sift.decode-tokens-per-second"}) {
            Object value = metadata.get(key);
            if (value != null) {
                stats.put(key.substring("sift.".length()), value);
            }
        }
        return stats;
    }
}
