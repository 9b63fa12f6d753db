package dev.sift.engine.eval;

import dev.sift.engine.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Needle in a haystack: one sentence (the needle) hidden at a depth of filler text (the haystack),
 * then a question only the needle answers. The score is the fraction of the answer's tokens the
 * model reproduces after the question ({@link #score}).
 *
 * <p>Haystack and needles come from files, so users can bring their own; the defaults are a short
 * TinyStories-style text and three needles suited to the small stories models.
 */
public final class NeedleTask {

    /**
     * A fact to hide and how to ask for it.
     *
     * @param sentence the needle, e.g. {@code The cat's name was Bob.}
     * @param question text the model continues with the answer, e.g. {@code The cat's name was}
     * @param answer   the expected continuation, e.g. {@code Bob}
     */
    public record Needle(String sentence, String question, String answer) {
    }

    /**
     * One haystack with a needle at a depth, tokenized.
     *
     * @param depth       where the needle sits, in percent of the haystack (0 = first sentence, 100 = last)
     * @param context     BOS and the haystack with the needle
     * @param question    the question's tokens, which follow the context
     * @param answer      the answer's tokens as they would follow the question
     * @param needleStart the first token of the needle in {@code context}
     * @param needleEnd   the token after the needle's last in {@code context}
     */
    public record Case(Needle needle, int depth, int[] context, int[] question, int[] answer, int needleStart,
                       int needleEnd) {
    }

    private final List<String> sentences;
    private final List<Needle> needles;

    /**
     * @param haystack text cut into sentences at {@code .}, {@code !} and {@code ?}
     * @param needles  at least one
     */
    public NeedleTask(String haystack, List<Needle> needles) {
        this.sentences = Arrays.stream(haystack.strip().split("(?<=[.!?][\"”]?)\\s+")).filter(s -> !s.isBlank()).toList();
        this.needles = List.copyOf(needles);
        if (sentences.isEmpty() || needles.isEmpty()) {
            throw new IllegalArgumentException("a needle test needs haystack text and at least one needle");
        }
    }

    /** The needles, in file order. */
    public List<Needle> needles() {
        return needles;
    }

    /** The haystack and needles shipped with Sift. */
    public static NeedleTask defaults() {
        return new NeedleTask(defaultHaystack(), parseNeedles(resource("needles.tsv"), "needles.tsv"));
    }

    /** The haystack shipped with Sift: a short TinyStories-style text. */
    public static String defaultHaystack() {
        return resource("haystack.txt");
    }

    /**
     * Reads a haystack text file and a needles file: one needle per line, {@code sentence TAB question
     * TAB answer}; blank lines and lines starting with {@code #} are skipped.
     *
     * @throws IllegalArgumentException naming the line of a malformed needle
     */
    public static NeedleTask load(Path haystack, Path needles) throws IOException {
        return new NeedleTask(Files.readString(haystack), parseNeedles(Files.readString(needles), needles.toString()));
    }

    /**
     * Reads needles: one per line, {@code sentence TAB question TAB answer}; blank lines and lines
     * starting with {@code #} are skipped.
     *
     * @param source where the text came from, for messages
     * @throws IllegalArgumentException naming the line of a malformed needle
     */
    public static List<Needle> parseNeedles(String text, String source) {
        List<Needle> needles = new ArrayList<>();
        String[] lines = text.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\t");
            if (fields.length != 3 || Arrays.stream(fields).anyMatch(String::isBlank)) {
                throw new IllegalArgumentException(source + " line " + (i + 1)
                        + ": expected 'needle sentence<TAB>question<TAB>answer', got '" + line + "'");
            }
            needles.add(new Needle(fields[0].strip(), fields[1].strip(), fields[2].strip()));
        }
        return needles;
    }

    private static String resource(String name) {
        try (InputStream in = NeedleTask.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the Sift jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every needle at every depth in a haystack of about {@code haystackTokens} tokens (the haystack
     * text is repeated as needed; whole sentences, so the length is reached or just passed).
     *
     * @param depths percentages, 0 to 100
     */
    public List<Case> cases(Tokenizer tokenizer, int haystackTokens, List<Integer> depths) {
        List<String> hay = new ArrayList<>();
        for (int tokens = 0, i = 0; tokens < haystackTokens; i++) {
            String sentence = sentences.get(i % sentences.size());
            hay.add(sentence);
            tokens += tokenizer.encode(sentence, false, false).length;
        }
        List<Case> cases = new ArrayList<>();
        for (Needle needle : needles) {
            for (int depth : depths) {
                List<String> text = new ArrayList<>(hay);
                int at = Math.round(depth / 100f * hay.size());
                text.add(at, needle.sentence());
                int[] context = tokenizer.encode(String.join(" ", text), true, false);
                // The needle's tokens: where the text before it, and the text through it, stop matching the context.
                int start = commonPrefix(context, tokenizer.encode(String.join(" ", text.subList(0, at)), true, false));
                int end = commonPrefix(context, tokenizer.encode(String.join(" ", text.subList(0, at + 1)), true, false));
                cases.add(new Case(needle, depth, context, tokenizer.encode(needle.question(), false, false),
                        tokenizer.encode(needle.answer(), false, false), start, end));
            }
        }
        return cases;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = 0;
        while (n < a.length && n < b.length && a[n] == b[n]) {
            n++;
        }
        return n;
    }

    /**
     * The fraction of the answer's tokens the model reproduced: positions where {@code generated}
     * holds the answer's token. Position by position rather than as a bag of tokens, because small
     * vocabularies split words into pieces that a wrong answer shares too.
     */
    public static double score(int[] answer, int[] generated) {
        int reproduced = 0;
        for (int i = 0; i < Math.min(answer.length, generated.length); i++) {
            if (answer[i] == generated[i]) {
                reproduced++;
            }
        }
        return (double) reproduced / answer.length;
    }
}
