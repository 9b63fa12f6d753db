package dev.sift.engine.tokenizer;

import dev.sift.engine.SharedModels;
import dev.sift.engine.gguf.GgufFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Hand-made vocabularies for SentencePiece unit tests, and the tokenizers of the shared models.
 *
 * <p>A builder starts with {@code <unk>} (0, unknown), {@code <s>} (1, control) and {@code </s>}
 * (2, control), optionally the 256 byte tokens {@code <0x00>..<0xFF>} (ids 3..258), then whatever
 * pieces a test adds.
 */
final class TestVocabulary {

    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private final List<String> tokens = new ArrayList<>();
    private final List<Float> scores = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();

    private TestVocabulary(boolean byteTokens) {
        add("<unk>", 0, Vocabulary.UNKNOWN);
        add("<s>", 0, Vocabulary.CONTROL);
        add("</s>", 0, Vocabulary.CONTROL);
        if (byteTokens) {
            for (int b = 0; b < 256; b++) {
                add("<0x%02X>".formatted(b), 0, Vocabulary.BYTE);
            }
        }
    }

    static TestVocabulary withByteTokens() {
        return new TestVocabulary(true);
    }

    static TestVocabulary withoutByteTokens() {
        return new TestVocabulary(false);
    }

    /** Adds a normal piece with this score. */
    TestVocabulary piece(String text, float score) {
        return add(text, score, Vocabulary.NORMAL);
    }

    /** Adds normal pieces, each with score 0. */
    TestVocabulary pieces(String... texts) {
        for (String text : texts) {
            piece(text, 0);
        }
        return this;
    }

    TestVocabulary add(String text, float score, int type) {
        tokens.add(text);
        scores.add(score);
        types.add(type);
        return this;
    }

    String[] tokens() {
        return tokens.toArray(String[]::new);
    }

    float[] scores() {
        float[] array = new float[scores.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = scores.get(i);
        }
        return array;
    }

    int[] types() {
        return types.stream().mapToInt(Integer::intValue).toArray();
    }

    Vocabulary build() {
        return new Vocabulary(tokens(), scores(), types(), 1, 2, 0, -1, -1, false);
    }

    /** A tokenizer that adds BOS (not EOS) and the space prefix, like a Llama 2 file. */
    SentencePieceTokenizer tokenizer() {
        return new SentencePieceTokenizer(build(), true, false, true);
    }

    /** A tokenizer without the space prefix, to look at merging alone. */
    SentencePieceTokenizer tokenizerWithoutSpacePrefix() {
        return new SentencePieceTokenizer(build(), true, false, false);
    }

    /** The SentencePiece tokenizer of a GGUF file under {@code shared/models}; the file is closed again. */
    static SentencePieceTokenizer shared(String relative) {
        return load(relative, SentencePieceTokenizer::fromGguf);
    }

    /** The byte-level BPE tokenizer of a GGUF file under {@code shared/models}; the file is closed again. */
    static BpeTokenizer sharedBpe(String relative) {
        return load(relative, BpeTokenizer::fromGguf);
    }

    /** Loads each file once per test run: tokenizers are immutable, and the real vocabularies are big. */
    private static <T extends Tokenizer> T load(String relative, Function<GgufFile, T> reader) {
        Tokenizer tokenizer = LOADED.computeIfAbsent(relative, key -> {
            try (GgufFile file = GgufFile.open(SharedModels.model(key))) {
                return reader.apply(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        @SuppressWarnings("unchecked")
        T typed = (T) tokenizer;
        return typed;
    }
}
