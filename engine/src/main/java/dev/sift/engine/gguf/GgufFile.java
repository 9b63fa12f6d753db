package dev.sift.engine.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (versions 2 and 3), memory-mapped: metadata, tensor infos and zero-copy views of the
 * tensor data.
 *
 * <p>The whole file is mapped with {@link FileChannel#map(FileChannel.MapMode, long, long, Arena)} in a
 * shared arena, so files over 2 GiB work, weights never land on the Java heap, and any thread may
 * read the views. {@link #close()} unmaps the file; views must not be used afterwards.
 *
 * <p>The file is untrusted: every declared count, length, dimension and offset is checked against
 * the bytes that remain before anything is allocated, and every fault ends in a
 * {@link GgufFormatException} naming it and its byte offset.
 */
public final class GgufFile implements AutoCloseable {

    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int DEFAULT_ALIGNMENT = 32;
    /** The largest alignment accepted: larger ones only serve to make the padding huge. */
    static final long MAX_ALIGNMENT = 1L << 30;
    static final int MAX_DIMENSIONS = 4;
    static final int MAX_ARRAY_NESTING = 8;
    /** name length + n_dims + one dimension + type + offset. */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;
    /** key length + value type + smallest value. */
    private static final int MIN_KEY_VALUE_BYTES = 8 + 4 + 1;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final long alignment;
    private final long dataStart;
    private final Map<String, Object> metadata;
    private final Map<String, GgufValueType> metadataTypes;
    /** Offset of each key's value type id, so that typed getters can say where a bad value is. */
    private final Map<String, Long> metadataOffsets;
    private final Map<String, GgufTensorInfo> tensors;

    private GgufFile(Path path, Arena arena, MemorySegment file) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        Reader in = new Reader(file);

        if (file.byteSize() < 4 || in.u32() != MAGIC) {
            throw new GgufFormatException("not a GGUF file: missing the 'GGUF' magic", 0);
        }
        long versionOffset = in.position;
        if (file.byteSize() < 8) {
            throw new GgufFormatException("file ends before the GGUF version", versionOffset);
        }
        int rawVersion = in.u32();
        if (rawVersion == 0x02000000 || rawVersion == 0x03000000) {
            throw new GgufFormatException("big-endian GGUF files are not supported", versionOffset);
        }
        if (rawVersion != 2 && rawVersion != 3) {
            throw new GgufFormatException("unsupported GGUF version " + Integer.toUnsignedString(rawVersion)
                    + " (supported: 2, 3)", versionOffset);
        }
        this.version = rawVersion;

        long tensorCountOffset = in.position;
        long tensorCount = in.u64();
        long kvCountOffset = in.position;
        long kvCount = in.u64();
        if (Long.compareUnsigned(tensorCount, in.remaining() / MIN_TENSOR_INFO_BYTES) > 0) {
            throw new GgufFormatException("tensor count " + Long.toUnsignedString(tensorCount)
                    + " cannot fit in the " + in.remaining() + " bytes that remain", tensorCountOffset);
        }
        if (Long.compareUnsigned(kvCount, in.remaining() / MIN_KEY_VALUE_BYTES) > 0) {
            throw new GgufFormatException("metadata count " + Long.toUnsignedString(kvCount)
                    + " cannot fit in the " + in.remaining() + " bytes that remain", kvCountOffset);
        }

        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, GgufValueType> types = new LinkedHashMap<>();
        Map<String, Long> offsets = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long keyOffset = in.position;
            String key = in.string("metadata key");
            if (values.containsKey(key)) {
                throw new GgufFormatException("duplicate metadata key '" + key + "'", keyOffset);
            }
            long typeOffset = in.position;
            GgufValueType type = in.valueType(key);
            values.put(key, in.value(type, key, 0));
            types.put(key, type);
            offsets.put(key, typeOffset);
        }
        this.metadata = Collections.unmodifiableMap(values);
        this.metadataTypes = Collections.unmodifiableMap(types);
        this.metadataOffsets = Collections.unmodifiableMap(offsets);
        this.alignment = validAlignment();

        // No capacity from tensorCount: it is bounded by the file size, not by what fits in an int.
        List<GgufTensorInfo> infos = new ArrayList<>();
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            long infoOffset = in.position;
            String name = in.string("tensor name");
            if (byName.containsKey(name)) {
                throw new GgufFormatException("duplicate tensor name '" + name + "'", infoOffset);
            }
            long dimsOffset = in.position;
            int dimensions = in.u32();
            if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
                throw new GgufFormatException("tensor '" + name + "' declares " + Integer.toUnsignedString(dimensions)
                        + " dimensions (must be 1 to " + MAX_DIMENSIONS + ")", dimsOffset);
            }
            long[] shape = new long[dimensions];
            for (int d = 0; d < dimensions; d++) {
                long dimOffset = in.position;
                shape[d] = in.u64();
                if (shape[d] <= 0) {
                    throw new GgufFormatException("tensor '" + name + "' has dimension " + d + " of size "
                            + Long.toUnsignedString(shape[d]) + " (must be positive)", dimOffset);
                }
            }
            long typeOffset = in.position;
            int typeId = in.u32();
            TensorType type = TensorType.fromId(typeId);
            if (type == null) {
                throw new GgufFormatException("tensor '" + name + "' has unknown tensor type id "
                        + Integer.toUnsignedString(typeId), typeOffset);
            }
            long elements = 1;
            try {
                for (long d : shape) {
                    elements = Math.multiplyExact(elements, d);
                }
            } catch (ArithmeticException e) {
                throw new GgufFormatException("tensor '" + name + "' element count overflows 64 bits", dimsOffset);
            }
            if (shape[0] % type.blockSize() != 0) {
                throw new GgufFormatException("tensor '" + name + "' of type " + type + " has row length " + shape[0]
                        + ", not a multiple of the block size " + type.blockSize(), dimsOffset + 4);
            }
            long offsetOffset = in.position;
            long relative = in.u64();
            if (relative < 0) {
                throw new GgufFormatException("tensor '" + name + "' data offset " + Long.toUnsignedString(relative)
                        + " is past the end of any file", offsetOffset);
            }
            if (relative % alignment != 0) {
                throw new GgufFormatException("tensor '" + name + "' data offset " + relative
                        + " is not a multiple of the alignment " + alignment, offsetOffset);
            }
            GgufTensorInfo info = new GgufTensorInfo(name, type, shape, relative, infoOffset);
            infos.add(info);
            byName.put(name, info);
        }

        long start = Math.ceilDiv(in.position, alignment) * alignment;
        this.dataStart = start;
        if (tensorCount > 0 && start > file.byteSize()) {
            throw new GgufFormatException("tensor data would start at " + start + ", past the end of the file ("
                    + file.byteSize() + " bytes)", in.position);
        }
        long dataBytes = file.byteSize() - start;

        Map<String, GgufTensorInfo> placed = new LinkedHashMap<>();
        for (GgufTensorInfo info : infos) {
            long size;
            try {
                size = info.byteSize();
            } catch (ArithmeticException e) {
                throw new GgufFormatException("tensor '" + info.name() + "' byte size overflows 64 bits", info.infoOffset());
            }
            if (info.dataOffset() > dataBytes || size > dataBytes - info.dataOffset()) {
                throw new GgufFormatException("tensor '" + info.name() + "' data [" + info.dataOffset() + ", +" + size
                        + ") extends past the end of the data section (" + dataBytes + " bytes)", info.infoOffset());
            }
            placed.put(info.name(), new GgufTensorInfo(info.name(), info.type(), info.shape(),
                    start + info.dataOffset(), info.infoOffset()));
        }
        List<GgufTensorInfo> byOffset = new ArrayList<>(placed.values());
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::dataOffset));
        for (int i = 1; i < byOffset.size(); i++) {
            GgufTensorInfo previous = byOffset.get(i - 1);
            GgufTensorInfo current = byOffset.get(i);
            if (previous.dataOffset() + previous.byteSize() > current.dataOffset()) {
                throw new GgufFormatException("tensor '" + current.name() + "' overlaps tensor '" + previous.name() + "'",
                        current.infoOffset());
            }
        }
        this.tensors = Collections.unmodifiableMap(placed);
    }

    /**
     * Opens and validates a GGUF file, mapping it read-only.
     *
     * @throws GgufFormatException if the file is not a valid GGUF v2/v3 file
     * @throws IOException         if it cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment segment = channel.size() == 0
                    ? MemorySegment.ofArray(new byte[0])
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new GgufFile(path, arena, segment);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Validates a GGUF image already in memory, for code in this package that holds bytes rather
     * than a file (the malformed-file tests parse thousands of variants without touching the disk).
     * {@link #path()} is {@code null}.
     */
    static GgufFile read(MemorySegment image) {
        // The arena maps nothing; it only gives close() something to end.
        return new GgufFile(null, Arena.ofConfined(), image);
    }

    private long validAlignment() {
        GgufValueType type = metadataTypes.get(ALIGNMENT_KEY);
        if (type == null) {
            return DEFAULT_ALIGNMENT;
        }
        long typeOffset = metadataOffsets.get(ALIGNMENT_KEY);
        if (type != GgufValueType.UINT32) {
            throw new GgufFormatException(ALIGNMENT_KEY + " must be a UINT32, found " + type, typeOffset);
        }
        long value = Integer.toUnsignedLong((Integer) metadata.get(ALIGNMENT_KEY));
        if (!isValidAlignment(value)) {
            throw new GgufFormatException(ALIGNMENT_KEY + " " + value + " is not a power of two between 1 and 2^30",
                    typeOffset + 4);
        }
        return value;
    }

    /** Whether {@code value} is an alignment this reader (and so {@link GgufWriter}) accepts. */
    static boolean isValidAlignment(long value) {
        return value > 0 && value <= MAX_ALIGNMENT && Long.bitCount(value) == 1;
    }

    /** The file this was read from ({@code null} for an image read from memory). */
    public Path path() {
        return path;
    }

    /** GGUF format version (2 or 3). */
    public int version() {
        return version;
    }

    /** Tensor data alignment in bytes ({@code general.alignment}, default 32). */
    public long alignment() {
        return alignment;
    }

    /** File size in bytes. */
    public long size() {
        return file.byteSize();
    }

    /** Absolute offset of the tensor data section. */
    public long dataStart() {
        return dataStart;
    }

    /**
     * All metadata in file order. Scalars are {@code Integer} for (U)INT8/16/32 (unsigned values
     * widened), {@code Long} for (U)INT64, {@code Float}, {@code Double}, {@code Boolean},
     * {@code String}; arrays are {@link GgufArray}.
     */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The declared type of a metadata key, or {@code null} if absent. */
    public GgufValueType metadataType(String key) {
        return metadataTypes.get(key);
    }

    public boolean contains(String key) {
        return metadata.containsKey(key);
    }

    /** A string value. */
    public Optional<String> string(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> expect(key, v, String.class, "a string"));
    }

    /** An integer value of any integer type, which must fit in an {@code int}. */
    public Optional<Integer> integer(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> {
            long value = integerValue(key, v);
            // A UINT64 above Long.MAX_VALUE is held as a negative long: it is out of range, not negative.
            boolean hugeUnsigned = metadataTypes.get(key) == GgufValueType.UINT64 && value < 0;
            if (hugeUnsigned || value != (int) value) {
                throw new GgufFormatException("metadata '" + key + "' value "
                        + (hugeUnsigned ? Long.toUnsignedString(value) : value) + " does not fit in an int",
                        metadataOffsets.get(key));
            }
            return (int) value;
        });
    }

    /** A floating-point value (FLOAT32, FLOAT64 or an integer, rounded to the nearest float). */
    public Optional<Float> real(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> switch (v) {
            case Float f -> f;
            case Double d -> d.floatValue();
            case Integer i -> (float) integerValue(key, i);
            case Long l -> metadataTypes.get(key) == GgufValueType.UINT64 && l < 0 ? unsignedToFloat(l) : (float) l;
            default -> throw wrongType(key, "a number");
        });
    }

    /**
     * An integer value as a long. UINT32 bit patterns become their unsigned value; 64-bit values stay
     * as stored (a UINT64 above {@code Long.MAX_VALUE} is negative).
     */
    private long integerValue(String key, Object value) {
        return switch (value) {
            case Integer i -> metadataTypes.get(key) == GgufValueType.UINT32 ? Integer.toUnsignedLong(i) : i;
            case Long l -> l;
            default -> throw wrongType(key, "an integer");
        };
    }

    /** The float nearest to an unsigned 64-bit value at or above 2^63. */
    private static float unsignedToFloat(long bits) {
        // Halve, keeping the dropped bit as a sticky bit so that the final rounding stays correct.
        return (float) ((bits >>> 1) | (bits & 1)) * 2f;
    }

    /** A boolean value. */
    public Optional<Boolean> bool(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> expect(key, v, Boolean.class, "a boolean"));
    }

    /** A copy of a string array. */
    public Optional<String[]> stringArray(String key) {
        return array(key, GgufValueType.STRING, String[].class).map(String[]::clone);
    }

    /** A copy of a FLOAT32 array. Any other element type is refused rather than reinterpreted. */
    public Optional<float[]> floatArray(String key) {
        return array(key, GgufValueType.FLOAT32, float[].class).map(float[]::clone);
    }

    /**
     * An array of (U)INT8, (U)INT16 or (U)INT32 values widened to {@code int}; a UINT32 element
     * above {@code Integer.MAX_VALUE} is refused.
     */
    public Optional<int[]> intArray(String key) {
        GgufArray array = arrayValue(key);
        if (array == null) {
            return Optional.empty();
        }
        int[] result = switch (array.values()) {
            case int[] ints -> {
                for (int i = 0; i < ints.length; i++) {
                    if (array.elementType() == GgufValueType.UINT32 && ints[i] < 0) {
                        throw new GgufFormatException("metadata '" + key + "' element " + i + " ("
                                + Integer.toUnsignedString(ints[i]) + ") does not fit in an int", metadataOffsets.get(key));
                    }
                }
                yield ints.clone();
            }
            case short[] shorts -> {
                int[] out = new int[shorts.length];
                boolean unsigned = array.elementType() == GgufValueType.UINT16;
                for (int i = 0; i < shorts.length; i++) {
                    out[i] = unsigned ? Short.toUnsignedInt(shorts[i]) : shorts[i];
                }
                yield out;
            }
            case byte[] bytes -> {
                int[] out = new int[bytes.length];
                boolean unsigned = array.elementType() == GgufValueType.UINT8;
                for (int i = 0; i < bytes.length; i++) {
                    out[i] = unsigned ? Byte.toUnsignedInt(bytes[i]) : bytes[i];
                }
                yield out;
            }
            default -> throw wrongArrayType(key, array, "integers");
        };
        return Optional.of(result);
    }

    private <T> Optional<T> array(String key, GgufValueType elementType, Class<T> javaType) {
        GgufArray array = arrayValue(key);
        if (array == null) {
            return Optional.empty();
        }
        if (array.elementType() != elementType) {
            throw wrongArrayType(key, array, elementType.toString());
        }
        return Optional.of(javaType.cast(array.values()));
    }

    private GgufArray arrayValue(String key) {
        Object value = metadata.get(key);
        if (value == null) {
            return null;
        }
        return expect(key, value, GgufArray.class, "an array");
    }

    private <T> T expect(String key, Object value, Class<T> type, String description) {
        if (!type.isInstance(value)) {
            throw wrongType(key, description);
        }
        return type.cast(value);
    }

    private GgufFormatException wrongType(String key, String description) {
        return new GgufFormatException("metadata '" + key + "' has type " + metadataTypes.get(key)
                + ", expected " + description, metadataOffsets.get(key));
    }

    private GgufFormatException wrongArrayType(String key, GgufArray array, String expected) {
        // The element type id follows the value type id of the key.
        return new GgufFormatException("metadata '" + key + "' is an array of " + array.elementType()
                + ", expected " + expected, metadataOffsets.get(key) + 4);
    }

    /** Tensor infos in file order, with absolute data offsets. */
    public List<GgufTensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    /** The tensor with this name, if present. */
    public Optional<GgufTensorInfo> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** A zero-copy view of a tensor's bytes. */
    public MemorySegment data(GgufTensorInfo tensor) {
        return file.asSlice(tensor.dataOffset(), tensor.byteSize());
    }

    /** Unmaps the file. Views obtained from {@link #data} become invalid. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors]";
    }

    /** Sequential, bounds-checked little-endian reader over the mapped header. */
    private static final class Reader {
        private final MemorySegment segment;
        private long position;

        Reader(MemorySegment segment) {
            this.segment = segment;
        }

        long remaining() {
            return segment.byteSize() - position;
        }

        private void need(long bytes, String what) {
            if (bytes > remaining()) {
                throw new GgufFormatException("file is truncated: " + what + " needs " + bytes + " bytes but only "
                        + remaining() + " remain", position);
            }
        }

        int u32() {
            need(4, "a 32-bit value");
            int v = segment.get(U32, position);
            position += 4;
            return v;
        }

        long u64() {
            need(8, "a 64-bit value");
            long v = segment.get(U64, position);
            position += 8;
            return v;
        }

        /** A length-prefixed UTF-8 string; {@code what} names it in error messages. */
        String string(String what) {
            long start = position;
            long length = u64();
            if (length < 0 || length > remaining() || length > Integer.MAX_VALUE - 8) {
                throw new GgufFormatException(what + " length " + Long.toUnsignedString(length)
                        + " exceeds the " + remaining() + " bytes that remain", start);
            }
            byte[] bytes = segment.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
            position += length;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        GgufValueType valueType(String key) {
            long at = position;
            int id = u32();
            GgufValueType type = GgufValueType.fromId(id);
            if (type == null) {
                throw new GgufFormatException("metadata '" + key + "' has unknown value type "
                        + Integer.toUnsignedString(id), at);
            }
            return type;
        }

        Object value(GgufValueType type, String key, int depth) {
            return switch (type) {
                case UINT8, INT8 -> {
                    need(1, key);
                    yield type == GgufValueType.UINT8
                            ? Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, position++))
                            : (int) segment.get(ValueLayout.JAVA_BYTE, position++);
                }
                case UINT16, INT16 -> {
                    need(2, key);
                    short s = segment.get(U16, position);
                    position += 2;
                    yield type == GgufValueType.UINT16 ? Short.toUnsignedInt(s) : (int) s;
                }
                case UINT32, INT32 -> u32();
                case UINT64, INT64 -> u64();
                case FLOAT32 -> Float.intBitsToFloat(u32());
                case FLOAT64 -> Double.longBitsToDouble(u64());
                case BOOL -> {
                    need(1, key);
                    byte b = segment.get(ValueLayout.JAVA_BYTE, position);
                    if (b != 0 && b != 1) {
                        throw new GgufFormatException("metadata '" + key + "' has boolean byte " + b, position);
                    }
                    position++;
                    yield b == 1;
                }
                case STRING -> string("value of metadata '" + key + "'");
                case ARRAY -> array(key, depth);
            };
        }

        private GgufArray array(String key, int depth) {
            long start = position;
            if (depth >= MAX_ARRAY_NESTING) {
                throw new GgufFormatException("metadata '" + key + "' nests arrays deeper than " + MAX_ARRAY_NESTING, start);
            }
            GgufValueType elementType = valueType(key);
            long countOffset = position;
            long count = u64();
            if (count < 0 || count > remaining() / elementType.minimumBytes() || count > Integer.MAX_VALUE - 8) {
                throw new GgufFormatException("metadata '" + key + "' declares " + Long.toUnsignedString(count) + " "
                        + elementType + " elements, more than the " + remaining() + " remaining bytes can hold", countOffset);
            }
            int n = (int) count;
            Object values = switch (elementType) {
                case UINT8, INT8 -> bulk(n, ValueLayout.JAVA_BYTE, new byte[n]);
                case UINT16, INT16 -> bulk(n * 2L, U16, new short[n]);
                case UINT32, INT32 -> bulk(n * 4L, U32, new int[n]);
                case UINT64, INT64 -> bulk(n * 8L, U64, new long[n]);
                case FLOAT32 -> bulk(n * 4L, F32, new float[n]);
                case FLOAT64 -> bulk(n * 8L, F64, new double[n]);
                case BOOL -> {
                    boolean[] out = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = (Boolean) value(GgufValueType.BOOL, key, depth);
                    }
                    yield out;
                }
                case STRING -> {
                    String[] out = new String[n];
                    String what = "element of metadata '" + key + "'";
                    for (int i = 0; i < n; i++) {
                        out[i] = string(what);
                    }
                    yield out;
                }
                case ARRAY -> {
                    GgufArray[] out = new GgufArray[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = array(key, depth + 1);
                    }
                    yield out;
                }
            };
            return new GgufArray(elementType, values);
        }

        private <A> A bulk(long bytes, ValueLayout layout, A target) {
            need(bytes, "an array");
            MemorySegment.copy(segment, layout, position, target, 0, java.lang.reflect.Array.getLength(target));
            position += bytes;
            return target;
        }
    }
}
