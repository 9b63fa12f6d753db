package dev.sift.engine.cli;

import dev.sift.engine.chat.ChatMessage;
import dev.sift.engine.chat.Conversation;
import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.GenerationResult;
import dev.sift.engine.generation.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sift chat}: an interactive conversation. Each line read is a user message; the reply is
 * streamed back. The KV cache carries over between turns, so only the new turn is read.
 * {@code /reset} starts over, end of input ends.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a model using its chat template; one user message per line, /reset to start over.")
final class ChatCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelMixin model;

    @Mixin
    SamplingMixin sampling;

    @Mixin
    CompressionChoiceMixin compression;

    @Option(names = "--system", description = "System message.")
    String system;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "512",
            description = "Most tokens per reply (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--stats", description = "Print token counts and speed after each reply to standard error.")
    boolean stats;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        GenerationRequest settings = GenerationRequest.tokens().withMaxTokens(maxTokens).withSampling(sampling.options())
                .withCompression(compression.options());
        try (LoadedModel loaded = model.load(); Conversation conversation = new Conversation(loaded)) {
            List<ChatMessage> messages = fresh();
            err.println("Chatting with " + model.model.getFileName() + " on " + loaded.backendName()
                    + ". Type a message; /reset starts over; end of input (Ctrl-D) quits.");
            err.flush();
            for (String line; prompt(err) && (line = in.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                if (line.strip().equals("/reset")) {
                    messages = fresh();
                    continue;
                }
                messages.add(ChatMessage.user(line));
                long start = System.nanoTime();
                Conversation.ChatReply reply = conversation.reply(messages, List.of(), settings, piece -> {
                    out.print(piece);
                    out.flush();
                });
                out.println();
                out.flush();
                messages.add(ChatMessage.assistant(reply.content()));
                if (stats) {
                    printStats(err, reply.result(), System.nanoTime() - start);
                    err.printf("(%d of %d prompt tokens reused from the previous turn)%n", reply.reusedTokens(),
                            reply.promptTokens());
                }
            }
        }
        return 0;
    }

    private List<ChatMessage> fresh() {
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) {
            messages.add(ChatMessage.system(system));
        }
        return messages;
    }

    private static boolean prompt(PrintWriter err) {
        err.print("> ");
        err.flush();
        return true;
    }

    static void printStats(PrintWriter err, GenerationResult result, long nanos) {
        double seconds = nanos / 1e9;
        err.printf("%d prompt + %d generated tokens in %.2f s (%.1f tokens/s), finish: %s%n",
                result.usage().promptTokens(), result.usage().completionTokens(), seconds,
                result.usage().totalTokens() / seconds, result.finishReason());
        err.println(result.kv());
        err.flush();
    }
}
