package dev.sift.engine.model;

import dev.sift.engine.Json;
import dev.sift.engine.SharedModels;
import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.tokenizer.StreamDecoder;
import dev.sift.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * stories260K against llama2.c / llama.cpp: prompt tokens, every logit at every position within 1e-3,
 * and the greedy continuation token for token.
 */
class StoriesReferenceTest {

    private static final float LOGIT_TOLERANCE = 1e-3f;

    private static GgufFile file;
    private static Tokenizer tokenizer;
    private static LlamaModel model;

    @BeforeAll
    static void load() throws IOException {
        file = GgufFile.open(SharedModels.model("stories260K.gguf"));
        tokenizer = Tokenizer.fromGguf(file);
        ModelConfig config = ModelConfig.fromGguf(file);
        model = new LlamaModel(LlamaWeights.bind(file, config), config, new CpuKernels(2));
    }

    @AfterAll
    static void close() {
        model.close();
        file.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bos-only", "once-upon", "bird", "park-dog", "long-story"})
    void matchesReference(String name) throws IOException {
        Map<String, Object> reference = Json.object(SharedModels.model("reference/" + name + ".json"));
        int[] promptTokens = Json.ints(reference.get("prompt_tokens"));
        int[] greedyTokens = Json.ints(reference.get("greedy_tokens"));
        int positions = ((Number) reference.get("positions")).intValue();
        int vocabulary = ((Number) reference.get("vocab_size")).intValue();
        float[] expectedLogits = readFloats(SharedModels.model("reference/" + reference.get("logits_file")));

        assertThat(tokenizer.encode((String) reference.get("prompt"), true, true)).containsExactly(promptTokens);
        assertThat(expectedLogits).hasSize(positions * vocabulary);

        // Feed the prompt, then let the model run greedily: every row of logits must match, and the
        // argmax at each step must be the reference's next token.
        DecoderSequence sequence = model.newSequence(positions);
        int token = promptTokens[0];
        for (int p = 0; p < positions; p++) {
            float[] logits = sequence.forward(token, p);
            for (int v = 0; v < vocabulary; v++) {
                float expected = expectedLogits[p * vocabulary + v];
                if (Math.abs(logits[v] - expected) > LOGIT_TOLERANCE) {
                    throw new AssertionError(name + ": logit of token " + v + " at position " + p + " is "
                            + logits[v] + ", expected " + expected);
                }
            }
            int g = p + 1 - promptTokens.length;
            if (p + 1 < promptTokens.length) {
                token = promptTokens[p + 1];
            } else if (g < greedyTokens.length) {
                token = argmax(logits);
                assertThat(token).as("%s: greedy token %d", name, g).isEqualTo(greedyTokens[g]);
            }
        }
        // llama2.c prints a BOS in mid-stream as "\n<s>\n"; compare the text before it.
        String expectedText = ((String) reference.get("greedy_text")).split("\n<s>\n")[0];
        boolean startsDocument = promptTokens.length == 1;
        assertThat(continuation(greedyTokens, startsDocument)).startsWith(expectedText);
    }

    /**
     * The text generated tokens print, up to a BOS. Text that starts a document drops the space
     * prefix, as llama.cpp's detokenizer does; a continuation keeps its leading space.
     */
    private static String continuation(int[] tokens, boolean startsDocument) {
        int end = 0;
        while (end < tokens.length && tokens[end] != tokenizer.bosId()) {
            end++;
        }
        int[] text = Arrays.copyOf(tokens, end);
        if (startsDocument) {
            return tokenizer.decode(text);
        }
        StreamDecoder decoder = new StreamDecoder(tokenizer, false);
        StringBuilder out = new StringBuilder();
        for (int token : text) {
            out.append(decoder.next(token));
        }
        return out.append(decoder.flush()).toString();
    }

    static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static float[] readFloats(Path path) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(out);
        return out;
    }
}
