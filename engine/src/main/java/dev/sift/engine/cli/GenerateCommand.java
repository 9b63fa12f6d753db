package dev.sift.engine.cli;

import dev.sift.engine.chat.ChatMessage;
import dev.sift.engine.chat.Conversation;
import dev.sift.engine.generation.GenerationListener;
import dev.sift.engine.generation.GenerationRequest;
import dev.sift.engine.generation.GenerationResult;
import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sift generate}: continues a prompt (or answers it as a chat message) and streams the text to standard output. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt, streaming the generated text to standard output.")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelMixin model;

    @Mixin
    SamplingMixin sampling;

    @Mixin
    CompressionChoiceMixin compression;

    @Option(names = {"-p", "--prompt"}, required = true, description = "Prompt text.")
    String prompt;

    @Option(names = "--chat", description = "Send the prompt as a user message through the model's chat template.")
    boolean chat;

    @Option(names = "--system", description = "System message (with --chat).")
    String system;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256",
            description = "Most tokens to generate; 0 = until the context is full (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--stop", description = "Stop sequence (repeatable).")
    List<String> stop = List.of();

    @Option(names = "--stats", description = "Print token counts, finish reason and speed to standard error.")
    boolean stats;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        GenerationRequest request = GenerationRequest.text(prompt).withMaxTokens(maxTokens)
                .withStopSequences(stop).withSampling(sampling.options()).withCompression(compression.options());
        GenerationListener print = piece -> {
            out.print(piece);
            out.flush();
        };
        try (LoadedModel loaded = model.load()) {
            long start = System.nanoTime();
            GenerationResult result;
            if (chat) {
                List<ChatMessage> messages = new ArrayList<>();
                if (system != null) {
                    messages.add(ChatMessage.system(system));
                }
                messages.add(ChatMessage.user(prompt));
                try (Conversation conversation = new Conversation(loaded)) {
                    result = conversation.reply(messages, List.of(), request, print).result();
                }
            } else {
                try (Session session = loaded.newSession()) {
                    result = session.generate(request, print);
                }
            }
            out.println();
            out.flush();
            if (stats) {
                ChatCommand.printStats(spec.commandLine().getErr(), result, System.nanoTime() - start);
            }
        }
        return 0;
    }
}
