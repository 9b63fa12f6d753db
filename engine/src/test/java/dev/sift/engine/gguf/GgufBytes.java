package dev.sift.engine.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes small GGUF files to bytes and finds and patches header fields in them, so that reader tests
 * can break exactly one thing in an otherwise valid file.
 *
 * <p>Fields are located from a key's or tensor name's text, which the test files keep unique.
 */
final class GgufBytes {

    /** Offsets of one metadata entry: its key's length prefix, its value type id and its value. */
    record Entry(int start, int type, int value) {
    }

    /**
     * Offsets of one tensor info: its name's length prefix, n_dims, the first dimension, the type id
     * and the data offset.
     */
    record TensorInfo(int start, int dimensions, int shape, int type, int offset) {

        /** Offset of dimension {@code d}. */
        int dim(int d) {
            return shape + 8 * d;
        }
    }

    private GgufBytes() {
    }

    /** The bytes {@code writer} produces. */
    static byte[] bytes(GgufWriter writer, Path dir) throws IOException {
        Path file = Files.createTempFile(dir, "written", ".gguf");
        writer.write(file);
        return Files.readAllBytes(file);
    }

    /** Saves {@code bytes} as a new file in {@code dir}. */
    static Path save(Path dir, byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(dir, "test", ".gguf"), bytes);
    }

    static Entry entry(byte[] file, String key) {
        int text = indexOf(file, key);
        int type = text + utf8Length(key);
        return new Entry(text - 8, type, type + 4);
    }

    static TensorInfo tensorInfo(byte[] file, String name) {
        int text = indexOf(file, name);
        int dimensions = text + utf8Length(name);
        int shape = dimensions + 4;
        int type = shape + 8 * (int) u32(file, dimensions);
        return new TensorInfo(text - 8, dimensions, shape, type, type + 4);
    }

    /** The offset of the only occurrence of {@code text}'s UTF-8 bytes. */
    static int indexOf(byte[] file, String text) {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        int found = -1;
        for (int i = 0; i + needle.length <= file.length; i++) {
            if (Arrays.equals(file, i, i + needle.length, needle, 0, needle.length)) {
                if (found >= 0) {
                    throw new IllegalArgumentException("'" + text + "' occurs more than once");
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new IllegalArgumentException("'" + text + "' does not occur");
        }
        return found;
    }

    /** Overwrites bytes with {@code text}'s UTF-8 bytes. */
    static void putText(byte[] file, int at, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, file, at, bytes.length);
    }

    static long u32(byte[] file, int at) {
        return Integer.toUnsignedLong(little(file).getInt(at));
    }

    static long u64(byte[] file, int at) {
        return little(file).getLong(at);
    }

    static void putU32(byte[] file, int at, long value) {
        little(file).putInt(at, (int) value);
    }

    static void putU64(byte[] file, int at, long value) {
        little(file).putLong(at, value);
    }

    private static ByteBuffer little(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
