package dev.sift.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sift} command line. */
@Command(name = "sift",
        mixinStandardHelpOptions = true,
        versionProvider = SiftCli.Version.class,
        description = "Run local LLMs from GGUF files.",
        subcommands = {GenerateCommand.class, ChatCommand.class, InfoCommand.class, EvalCommand.class, CalibrateCommand.class, BenchCommand.class, LongBenchCommand.class, CommandLine.HelpCommand.class})
public final class SiftCli {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, with errors reported as one clear line instead of a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SiftCli());
        cli.setExecutionExceptionHandler((e, command, parseResult) -> {
            command.getErr().println("error: " + describe(e));
            return 1;
        });
        return cli;
    }

    private static String describe(Throwable e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException missing -> "no such file: " + missing.getFile();
            case java.nio.file.AccessDeniedException denied -> "cannot read " + denied.getFile();
            default -> e.getMessage() != null ? e.getMessage() : e.toString();
        };
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = SiftCli.class.getPackage().getImplementationVersion();
            return new String[]{"sift " + (version != null ? version : "development build")};
        }
    }
}
