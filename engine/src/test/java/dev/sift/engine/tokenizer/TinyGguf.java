package dev.sift.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes metadata-only GGUF v3 files for tokenizer tests. Values: {@code String}, {@code Boolean},
 * {@code Integer} (written as UINT32, so -1 is 0xFFFFFFFF), {@code String[]}, {@code float[]} and
 * {@code int[]} (INT32).
 */
final class TinyGguf {

    private static final int UINT32 = 4;
    private static final int INT32 = 5;
    private static final int FLOAT32 = 6;
    private static final int BOOL = 7;
    private static final int STRING = 8;
    private static final int ARRAY = 9;

    private final Map<String, Object> metadata = new LinkedHashMap<>();

    TinyGguf put(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    TinyGguf remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** A SentencePiece vocabulary with the given tokens, scores and types. */
    static TinyGguf spm(String[] tokens, float[] scores, int[] types) {
        return new TinyGguf()
                .put("general.architecture", "llama")
                .put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", tokens)
                .put("tokenizer.ggml.scores", scores)
                .put("tokenizer.ggml.token_type", types);
    }

    Path write(Path file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write("GGUF".getBytes(StandardCharsets.US_ASCII));
        u32(out, 3);
        u64(out, 0);
        u64(out, metadata.size());
        for (Map.Entry<String, Object> entry : metadata.entrySet()) {
            string(out, entry.getKey());
            switch (entry.getValue()) {
                case String s -> {
                    u32(out, STRING);
                    string(out, s);
                }
                case Boolean b -> {
                    u32(out, BOOL);
                    out.write(b ? 1 : 0);
                }
                case Integer i -> {
                    u32(out, UINT32);
                    u32(out, i);
                }
                case String[] strings -> {
                    array(out, STRING, strings.length);
                    for (String s : strings) {
                        string(out, s);
                    }
                }
                case float[] floats -> {
                    array(out, FLOAT32, floats.length);
                    for (float f : floats) {
                        u32(out, Float.floatToIntBits(f));
                    }
                }
                case int[] ints -> {
                    array(out, INT32, ints.length);
                    for (int i : ints) {
                        u32(out, i);
                    }
                }
                default -> throw new IllegalArgumentException("unsupported value " + entry.getValue());
            }
        }
        return Files.write(file, out.toByteArray());
    }

    private static void array(ByteArrayOutputStream out, int elementType, int count) {
        u32(out, ARRAY);
        u32(out, elementType);
        u64(out, count);
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        u64(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void u32(ByteArrayOutputStream out, int value) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }

    private static void u64(ByteArrayOutputStream out, long value) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }
}
