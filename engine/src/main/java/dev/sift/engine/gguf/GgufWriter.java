package dev.sift.engine.gguf;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes GGUF files: metadata, tensor infos and the aligned tensor data, in the layout llama.cpp
 * writes and {@link GgufFile} reads.
 *
 * <p>Metadata keys and tensors are written in the order they were added. Tensor data is aligned to
 * {@code general.alignment} (a UINT32 power of two; 32 if absent) and each tensor is followed by
 * zero padding up to the next multiple of it, as ggml does. Tensor bytes are streamed to the file
 * when {@link #write} runs: a tensor given as a {@link MemorySegment} (for example a mapped file)
 * or as a {@link TensorData} callback is never copied into one array, so tensors of any size can be
 * written.
 *
 * <pre>{@code
 * new GgufWriter()
 *         .putString("general.architecture", "llama")
 *         .putUInt32("llama.embedding_length", 64)
 *         .putStringArray("tokenizer.ggml.tokens", tokens)
 *         .addTensor("output_norm.weight", TensorType.F32, new long[] {64}, Quantizer.toF32(norm))
 *         .addTensor("token_embd.weight", TensorType.Q8_0, new long[] {64, 512}, out -> {
 *             for (float[] row : embeddingRows) {
 *                 out.write(Quantizer.quantizeQ8_0(row));
 *             }
 *         })
 *         .write(path);
 * }</pre>
 *
 * <p>Values are checked when added, so a writer only produces files that {@link GgufFile} accepts.
 * Arrays and segments handed to it are not copied: they must stay unchanged (and segments alive)
 * until {@link #write} returns. A writer is not thread-safe; it may write the same file many times.
 */
public final class GgufWriter {

    /** Supplies a tensor's bytes while the file is written. */
    @FunctionalInterface
    public interface TensorData {

        /**
         * Writes exactly the tensor's byte size to {@code out}, in ggml's layout. Writing more fails
         * at once, writing fewer fails when this returns; {@code out} need not be closed.
         */
        void writeTo(OutputStream out) throws IOException;
    }

    private record Value(GgufValueType type, Object value) {
    }

    private record PendingTensor(String name, TensorType type, long[] shape, long byteSize, TensorData data) {
    }

    /** Chunk size for copying segments and writing padding. */
    private static final int CHUNK = 1 << 16;

    private int version = 3;
    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    /**
     * Sets the GGUF version written in the header: 3 (the default) or 2, which has the same layout
     * (version 1 used 32-bit counts and is not written).
     */
    public GgufWriter version(int version) {
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("GGUF version " + version + " cannot be written (supported: 2, 3)");
        }
        this.version = version;
        return this;
    }

    /**
     * Adds a metadata value, replacing any earlier value of the key in place.
     *
     * <p>{@code value} has the Java type that {@link GgufFile#metadata()} returns for {@code type}, so
     * metadata can be copied from a file as it is: {@code Integer} for (U)INT8/16/32 (8- and 16-bit
     * values range-checked, UINT32 as its bit pattern), {@code Long} for (U)INT64 (UINT64 as its bit
     * pattern), {@code Float}, {@code Double}, {@code Boolean}, {@code String}, or a {@link GgufArray}
     * for ARRAY (arrays nest up to 8 deep). {@code general.alignment} must be a UINT32 power of two
     * of at most 2^30.
     *
     * @throws IllegalArgumentException if the value does not fit the type
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        checkValue(key, type, value, 0);
        if (key.equals(GgufFile.ALIGNMENT_KEY)
                && (type != GgufValueType.UINT32 || !GgufFile.isValidAlignment(Integer.toUnsignedLong((Integer) value)))) {
            throw new IllegalArgumentException(key + " must be a UINT32 power of two of at most 2^30, got "
                    + type + " " + value);
        }
        metadata.put(key, new Value(type, value));
        return this;
    }

    /** Adds a STRING value. */
    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    /** Adds a BOOL value. */
    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    /**
     * Adds a UINT32 value.
     *
     * @throws IllegalArgumentException if {@code value} is not in {@code [0, 2^32)}
     */
    public GgufWriter putUInt32(String key, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("metadata '" + key + "': " + value + " is not a UINT32");
        }
        return put(key, GgufValueType.UINT32, (int) value);
    }

    /** Adds an INT32 value. */
    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    /** Adds a FLOAT32 value. */
    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    /** Adds an ARRAY value of any element type, nested arrays included. */
    public GgufWriter putArray(String key, GgufArray array) {
        return put(key, GgufValueType.ARRAY, array);
    }

    /** Adds an array of STRING. */
    public GgufWriter putStringArray(String key, String... values) {
        return putArray(key, new GgufArray(GgufValueType.STRING, values));
    }

    /** Adds an array of FLOAT32. */
    public GgufWriter putFloat32Array(String key, float... values) {
        return putArray(key, new GgufArray(GgufValueType.FLOAT32, values));
    }

    /** Adds an array of INT32. */
    public GgufWriter putInt32Array(String key, int... values) {
        return putArray(key, new GgufArray(GgufValueType.INT32, values));
    }

    /**
     * Adds a tensor whose bytes are in an array.
     *
     * @param shape dimensions in ggml order ({@code shape[0]} is the row length), 1 to 4 of them
     * @throws IllegalArgumentException if the name is taken, the shape is invalid for the type, or
     *                                  {@code data} is not exactly the tensor's byte size
     */
    public GgufWriter addTensor(String name, TensorType type, long[] shape, byte[] data) {
        checkDataSize(name, type, shape, data.length);
        return addTensor(name, type, shape, out -> out.write(data));
    }

    /**
     * Adds a tensor whose bytes are in a memory segment (on or off heap, mapped, of any size); they
     * are copied to the file in chunks.
     *
     * @throws IllegalArgumentException as {@link #addTensor(String, TensorType, long[], byte[])}
     */
    public GgufWriter addTensor(String name, TensorType type, long[] shape, MemorySegment data) {
        checkDataSize(name, type, shape, data.byteSize());
        return addTensor(name, type, shape, out -> {
            byte[] chunk = new byte[(int) Math.min(CHUNK, data.byteSize())];
            for (long at = 0; at < data.byteSize(); at += chunk.length) {
                int n = (int) Math.min(chunk.length, data.byteSize() - at);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, chunk, 0, n);
                out.write(chunk, 0, n);
            }
        });
    }

    /**
     * Adds a tensor whose bytes {@code data} writes when the file is written, for tensors generated
     * or converted on the fly. Its byte size is checked then.
     *
     * @throws IllegalArgumentException if the name is taken or the shape is invalid for the type
     */
    public GgufWriter addTensor(String name, TensorType type, long[] shape, TensorData data) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        long[] dims = shape.clone();
        tensors.put(name, new PendingTensor(name, type, dims, byteSize(name, type, dims), data));
        return this;
    }

    /**
     * Writes the file, replacing any file at {@code path}. If writing fails the partial file is
     * deleted.
     *
     * @throws IOException           if the file cannot be written
     * @throws IllegalStateException if a {@link TensorData} wrote the wrong number of bytes
     */
    public void write(Path path) throws IOException {
        long alignment = alignment();
        OutputStream file = Files.newOutputStream(path);
        try (Output out = new Output(new BufferedOutputStream(file, CHUNK))) {
            out.u32(GgufFile.MAGIC);
            out.u32(version);
            out.u64(tensors.size());
            out.u64(metadata.size());
            for (Map.Entry<String, Value> entry : metadata.entrySet()) {
                out.string(entry.getKey());
                out.u32(entry.getValue().type().id());
                writeValue(out, entry.getValue().type(), entry.getValue().value());
            }
            long offset = 0;
            for (PendingTensor tensor : tensors.values()) {
                out.string(tensor.name());
                out.u32(tensor.shape().length);
                for (long dim : tensor.shape()) {
                    out.u64(dim);
                }
                out.u32(tensor.type().id());
                out.u64(offset);
                offset = Math.ceilDiv(offset + tensor.byteSize(), alignment) * alignment;
            }
            out.pad(alignment);
            for (PendingTensor tensor : tensors.values()) {
                TensorStream stream = new TensorStream(out, tensor);
                tensor.data().writeTo(stream);
                stream.checkComplete();
                out.pad(alignment);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private long alignment() {
        Value value = metadata.get(GgufFile.ALIGNMENT_KEY);
        return value == null ? GgufFile.DEFAULT_ALIGNMENT : Integer.toUnsignedLong((Integer) value.value());
    }

    private static void checkDataSize(String name, TensorType type, long[] shape, long bytes) {
        long expected = byteSize(name, type, shape);
        if (bytes != expected) {
            throw new IllegalArgumentException("tensor '" + name + "' of type " + type + " and shape "
                    + Arrays.toString(shape) + " needs " + expected + " bytes, got " + bytes);
        }
    }

    /** The tensor's size in bytes, after checking its shape as {@link GgufFile} will. */
    private static long byteSize(String name, TensorType type, long[] shape) {
        if (shape.length < 1 || shape.length > GgufFile.MAX_DIMENSIONS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + shape.length
                    + " dimensions (must be 1 to " + GgufFile.MAX_DIMENSIONS + ")");
        }
        for (long dim : shape) {
            if (dim <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a dimension of size " + dim);
            }
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' of type " + type + " has row length " + shape[0]
                    + ", not a multiple of the block size " + type.blockSize());
        }
        try {
            long elements = 1;
            for (long dim : shape) {
                elements = Math.multiplyExact(elements, dim);
            }
            return type.bytesFor(elements);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "' is larger than 2^63 bytes", e);
        }
    }

    private static void checkValue(String key, GgufValueType type, Object value, int depth) {
        boolean valid = switch (type) {
            case UINT8 -> value instanceof Integer i && i >= 0 && i <= 0xFF;
            case INT8 -> value instanceof Integer i && i == (byte) (int) i;
            case UINT16 -> value instanceof Integer i && i >= 0 && i <= 0xFFFF;
            case INT16 -> value instanceof Integer i && i == (short) (int) i;
            case UINT32, INT32 -> value instanceof Integer;
            case UINT64, INT64 -> value instanceof Long;
            case FLOAT32 -> value instanceof Float;
            case FLOAT64 -> value instanceof Double;
            case BOOL -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ARRAY -> value instanceof GgufArray;
        };
        if (!valid) {
            throw new IllegalArgumentException("metadata '" + key + "': " + describe(value) + " is not a valid "
                    + type + " value");
        }
        if (value instanceof GgufArray array) {
            checkArray(key, array, depth);
        }
    }

    private static void checkArray(String key, GgufArray array, int depth) {
        // The same limit as the reader's, so that every array written can be read back.
        if (depth >= GgufFile.MAX_ARRAY_NESTING) {
            throw new IllegalArgumentException("metadata '" + key + "' nests arrays deeper than "
                    + GgufFile.MAX_ARRAY_NESTING);
        }
        Class<?> expected = switch (array.elementType()) {
            case UINT8, INT8 -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
        };
        if (array.values() == null || array.values().getClass() != expected) {
            throw new IllegalArgumentException("metadata '" + key + "': an array of " + array.elementType()
                    + " needs a " + expected.getSimpleName() + ", got " + describe(array.values()));
        }
        if (array.values() instanceof Object[] elements) {
            for (Object element : elements) {
                if (element == null) {
                    throw new IllegalArgumentException("metadata '" + key + "' has a null array element");
                }
                if (element instanceof GgufArray nested) {
                    checkArray(key, nested, depth + 1);
                }
            }
        }
    }

    private static String describe(Object value) {
        return value == null ? "null" : value.getClass().getSimpleName() + " " + value;
    }

    private static void writeValue(Output out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.u8((Integer) value);
            case UINT16, INT16 -> out.u16((Integer) value);
            case UINT32, INT32 -> out.u32((Integer) value);
            case UINT64, INT64 -> out.u64((Long) value);
            // Raw bits, so that NaN payloads survive a copy from another file.
            case FLOAT32 -> out.u32(Float.floatToRawIntBits((Float) value));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits((Double) value));
            case BOOL -> out.u8((Boolean) value ? 1 : 0);
            case STRING -> out.string((String) value);
            case ARRAY -> writeArray(out, (GgufArray) value);
        }
    }

    private static void writeArray(Output out, GgufArray array) throws IOException {
        out.u32(array.elementType().id());
        out.u64(array.length());
        switch (array.values()) {
            case byte[] values -> out.write(values, 0, values.length);
            case short[] values -> {
                for (short v : values) {
                    out.u16(v);
                }
            }
            case int[] values -> {
                for (int v : values) {
                    out.u32(v);
                }
            }
            case long[] values -> {
                for (long v : values) {
                    out.u64(v);
                }
            }
            case float[] values -> {
                for (float v : values) {
                    out.u32(Float.floatToRawIntBits(v));
                }
            }
            case double[] values -> {
                for (double v : values) {
                    out.u64(Double.doubleToRawLongBits(v));
                }
            }
            case boolean[] values -> {
                for (boolean v : values) {
                    out.u8(v ? 1 : 0);
                }
            }
            case String[] values -> {
                for (String v : values) {
                    out.string(v);
                }
            }
            case GgufArray[] values -> {
                for (GgufArray v : values) {
                    writeArray(out, v);
                }
            }
            default -> throw new IllegalStateException("unchecked array " + describe(array.values()));
        }
    }

    /** Little-endian output that counts the bytes written, for offsets and padding. */
    private static final class Output implements Closeable {
        private final OutputStream out;
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        private long position;

        Output(OutputStream out) {
            this.out = out;
        }

        void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            position += length;
        }

        void u8(int value) throws IOException {
            out.write(value);
            position++;
        }

        void u16(int value) throws IOException {
            scratch.putShort(0, (short) value);
            write(scratch.array(), 0, 2);
        }

        void u32(int value) throws IOException {
            scratch.putInt(0, value);
            write(scratch.array(), 0, 4);
        }

        void u64(long value) throws IOException {
            scratch.putLong(0, value);
            write(scratch.array(), 0, 8);
        }

        void string(String value) throws IOException {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            write(bytes, 0, bytes.length);
        }

        /** Zeros up to the next multiple of {@code alignment}. */
        void pad(long alignment) throws IOException {
            long padding = Math.ceilDiv(position, alignment) * alignment - position;
            byte[] zeros = new byte[(int) Math.min(CHUNK, padding)];
            for (long left = padding; left > 0; left -= zeros.length) {
                write(zeros, 0, (int) Math.min(zeros.length, left));
            }
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** The stream a {@link TensorData} writes to: holds it to the tensor's byte size. */
    private static final class TensorStream extends OutputStream {
        private final Output out;
        private final PendingTensor tensor;
        private long written;

        TensorStream(Output out, PendingTensor tensor) {
            this.out = out;
            this.tensor = tensor;
        }

        @Override
        public void write(int b) throws IOException {
            reserve(1);
            out.u8(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            reserve(length);
            out.write(bytes, offset, length);
        }

        private void reserve(long bytes) {
            if (bytes > tensor.byteSize() - written) {
                throw new IllegalStateException("tensor '" + tensor.name() + "' data is longer than its "
                        + tensor.byteSize() + " bytes");
            }
            written += bytes;
        }

        void checkComplete() {
            if (written != tensor.byteSize()) {
                throw new IllegalStateException("tensor '" + tensor.name() + "' data has " + written + " bytes, "
                        + "expected " + tensor.byteSize());
            }
        }
    }
}
