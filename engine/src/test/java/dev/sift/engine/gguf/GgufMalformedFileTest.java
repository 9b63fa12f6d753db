package dev.sift.engine.gguf;

import static dev.sift.engine.gguf.GgufBytes.entry;
import static dev.sift.engine.gguf.GgufBytes.putText;
import static dev.sift.engine.gguf.GgufBytes.putU32;
import static dev.sift.engine.gguf.GgufBytes.putU64;
import static dev.sift.engine.gguf.GgufBytes.tensorInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One test per class of malformed GGUF file (see shared/docs/untrusted-gguf.md): each breaks one
 * field of a small valid file and expects a {@link GgufFormatException} that names the fault and
 * points at the faulty field.
 *
 * <p>Images are parsed in memory ({@link GgufFile#read}) so that the loops over thousands of
 * variants stay fast; {@link #openReportsTheSameFaultsForFilesOnDisk} covers the mapped path.
 */
class GgufMalformedFileTest {

    /** Bytes a rejected open may allocate: a small constant, nothing proportional to a declared count. */
    private static final long ALLOCATION_LIMIT = 1 << 20;

    @TempDir
    Path dir;

    /** A valid file with a key of every kind the faults need and tensors whose data ends the file. */
    private byte[] valid;

    @BeforeEach
    void writeValidFile() throws IOException {
        valid = GgufBytes.bytes(new GgufWriter()
                .putString("general.architecture", "llama")
                .putUInt32("general.alignment", 32)
                .putUInt32("test.count", 7)
                .putUInt32("test.limit", 9)
                .putBool("test.flag", true)
                .putArray("test.bytes", new GgufArray(GgufValueType.UINT8, new byte[] {1, 2, 3}))
                .addTensor("tensor.alpha", TensorType.F32, new long[] {8, 1, 1}, new byte[32])
                .addTensor("tensor.beta", TensorType.Q8_0, new long[] {32, 2}, new byte[68])
                // 32 bytes, so the file ends with tensor data and has no trailing padding.
                .addTensor("tensor.gamma", TensorType.F32, new long[] {4, 2}, new byte[32]), dir);
    }

    @Test
    void openReportsTheSameFaultsForFilesOnDisk() throws IOException {
        // An empty file is mapped differently (not at all), so it is among them.
        for (byte[] file : List.of(new byte[0], Arrays.copyOf(valid, 30), patched(f -> putU32(f, 4, 1)))) {
            Path path = GgufBytes.save(dir, file);
            assertThatThrownBy(() -> GgufFile.open(path)).isInstanceOf(GgufFormatException.class);
        }
    }

    @Test
    void wrongMagic() {
        assertFault(patched(file -> putText(file, 0, "GGUX")), 0, "magic");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void unsupportedVersion(int version) {
        assertFault(patched(file -> putU32(file, 4, version)), 4, "unsupported GGUF version " + version);
    }

    @Test
    void bigEndian() {
        // A big-endian writer stores version 3 as 00 00 00 03.
        assertFault(patched(file -> putU32(file, 4, 0x0300_0000)), 4, "big-endian");
    }

    @Test
    void everyTruncationIsAFormatException() {
        for (int length = 0; length < valid.length; length++) {
            byte[] prefix = Arrays.copyOf(valid, length);
            GgufFormatException e = fault(prefix);
            assertThat(e.offset()).as("offset for a %d-byte prefix", length).isBetween(0L, (long) length);
        }
    }

    @Test
    void unknownMetadataValueType() {
        GgufBytes.Entry count = entry(valid, "test.count");
        assertFault(patched(file -> putU32(file, count.type(), 13)), count.type(),
                "'test.count'", "unknown value type 13");
    }

    @Test
    void unknownTensorType() {
        GgufBytes.TensorInfo beta = tensorInfo(valid, "tensor.beta");
        assertFault(patched(file -> putU32(file, beta.type(), 99)), beta.type(),
                "'tensor.beta'", "unknown tensor type id 99");
    }

    /** 2^63 and 2^64-1: both negative as a signed long, which is how the Python reader looped forever. */
    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -1L})
    void hugeKeyLength(long length) {
        GgufBytes.Entry first = entry(valid, "general.architecture");
        assertFaultWithoutAllocation(patched(file -> putU64(file, first.start(), length)), first.start(),
                "metadata key length " + Long.toUnsignedString(length));
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -1L})
    void hugeStringValueLength(long length) {
        GgufBytes.Entry architecture = entry(valid, "general.architecture");
        assertFaultWithoutAllocation(patched(file -> putU64(file, architecture.value(), length)),
                architecture.value(), "'general.architecture' length " + Long.toUnsignedString(length));
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 62, -1L, 1L << 31})
    void hugeArrayCount(long count) {
        // The array value is its element type id, then the count.
        int countAt = entry(valid, "test.bytes").value() + 4;
        assertFaultWithoutAllocation(patched(file -> putU64(file, countAt, count)), countAt,
                "'test.bytes' declares " + Long.toUnsignedString(count) + " UINT8 elements");
    }

    @Test
    void hugeTensorCount() {
        assertFaultWithoutAllocation(header(1L << 62, 0), 8, "tensor count " + (1L << 62));
    }

    @Test
    void hugeMetadataCount() {
        assertFaultWithoutAllocation(header(0, 1L << 62), 16, "metadata count " + (1L << 62));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 3, 1L << 31})
    void invalidAlignment(long alignment) {
        GgufBytes.Entry entry = entry(valid, "general.alignment");
        assertFault(patched(file -> putU32(file, entry.value(), alignment)), entry.value(),
                "general.alignment " + alignment, "power of two");
    }

    @Test
    void alignmentOfTheWrongType() {
        GgufBytes.Entry entry = entry(valid, "general.alignment");
        assertFault(patched(file -> putU32(file, entry.type(), GgufValueType.INT32.id())), entry.type(),
                "general.alignment must be a UINT32, found INT32");
    }

    @Test
    void elementCountOverflow() {
        GgufBytes.TensorInfo alpha = tensorInfo(valid, "tensor.alpha");
        byte[] file = patched(f -> {
            for (int d = 0; d < 3; d++) {
                putU64(f, alpha.dim(d), 1L << 32);
            }
        });
        assertFault(file, alpha.dimensions(), "'tensor.alpha' element count overflows");
    }

    @Test
    void tensorDataPastTheEnd() {
        GgufBytes.TensorInfo gamma = tensorInfo(valid, "tensor.gamma");
        assertFault(patched(file -> putU64(file, gamma.offset(), 1L << 20)), gamma.start(),
                "'tensor.gamma' data", "past the end");
    }

    @Test
    void overlappingTensors() {
        // beta occupies [32, 100) of the data section; 64 is aligned but inside it.
        GgufBytes.TensorInfo gamma = tensorInfo(valid, "tensor.gamma");
        assertFault(patched(file -> putU64(file, gamma.offset(), 64)), gamma.start(),
                "'tensor.gamma' overlaps tensor 'tensor.beta'");
    }

    @Test
    void unalignedTensorOffset() {
        GgufBytes.TensorInfo gamma = tensorInfo(valid, "tensor.gamma");
        assertFault(patched(file -> putU64(file, gamma.offset(), 132)), gamma.offset(),
                "'tensor.gamma' data offset 132 is not a multiple of the alignment 32");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5})
    void dimensionCountOutOfRange(int dimensions) {
        GgufBytes.TensorInfo alpha = tensorInfo(valid, "tensor.alpha");
        assertFault(patched(file -> putU32(file, alpha.dimensions(), dimensions)), alpha.dimensions(),
                "'tensor.alpha' declares " + dimensions + " dimensions");
    }

    /** 0 and 2^64-1 (negative as a signed long, so also caught as not positive). */
    @ParameterizedTest
    @ValueSource(longs = {0, -1L})
    void nonPositiveDimension(long size) {
        GgufBytes.TensorInfo beta = tensorInfo(valid, "tensor.beta");
        assertFault(patched(file -> putU64(file, beta.dim(1), size)), beta.dim(1),
                "'tensor.beta' has dimension 1 of size " + Long.toUnsignedString(size));
    }

    @Test
    void rowLengthNotAWholeNumberOfBlocks() {
        GgufBytes.TensorInfo beta = tensorInfo(valid, "tensor.beta");
        assertFault(patched(file -> putU64(file, beta.dim(0), 33)), beta.dim(0),
                "'tensor.beta' of type Q8_0 has row length 33, not a multiple of the block size 32");
    }

    @Test
    void duplicateMetadataKey() {
        GgufBytes.Entry limit = entry(valid, "test.limit");
        assertFault(patched(file -> putText(file, limit.start() + 8, "test.count")), limit.start(),
                "duplicate metadata key 'test.count'");
    }

    @Test
    void duplicateTensorName() {
        GgufBytes.TensorInfo gamma = tensorInfo(valid, "tensor.gamma");
        assertFault(patched(file -> putText(file, gamma.start() + 8, "tensor.alpha")), gamma.start(),
                "duplicate tensor name 'tensor.alpha'");
    }

    @Test
    void arrayReadAsTheWrongElementType() {
        try (GgufFile file = GgufFile.read(MemorySegment.ofArray(valid))) {
            GgufBytes.Entry bytes = entry(valid, "test.bytes");
            assertThatThrownBy(() -> file.floatArray("test.bytes"))
                    .isInstanceOfSatisfying(GgufFormatException.class, e -> {
                        assertThat(e).hasMessageContaining("'test.bytes' is an array of UINT8, expected FLOAT32");
                        assertThat(e.offset()).isEqualTo(bytes.value());
                    });
        }
    }

    @Test
    void booleanByteOtherThanZeroOrOne() {
        GgufBytes.Entry flag = entry(valid, "test.flag");
        assertFault(patched(file -> file[flag.value()] = 2), flag.value(), "'test.flag' has boolean byte 2");
    }

    /**
     * Random damage to a valid file (bit flips, random bytes, extreme counts and lengths, truncation):
     * opening must succeed or throw {@link GgufFormatException}, and a file that opens must be
     * readable through the typed getters and tensor views without any other exception.
     */
    @Test
    void randomDamageOnlyEverCausesFormatExceptions() {
        Random random = new Random(20_250_101);
        long[] extremes = {0, 1, -1, 1L << 31, 1L << 32, 1L << 62, Long.MIN_VALUE, valid.length};
        int opened = 0;
        for (int round = 0; round < 3000; round++) {
            byte[] file = valid.clone();
            for (int m = 1 + random.nextInt(3); m > 0; m--) {
                int at = random.nextInt(file.length);
                switch (random.nextInt(4)) {
                    case 0 -> file[at] ^= (byte) (1 << random.nextInt(8));
                    case 1 -> file[at] = (byte) random.nextInt(256);
                    case 2 -> putU64(file, Math.min(at, file.length - 8), extremes[random.nextInt(extremes.length)]);
                    default -> putU32(file, Math.min(at, file.length - 4), random.nextInt(20));
                }
            }
            if (random.nextInt(8) == 0) {
                file = Arrays.copyOf(file, random.nextInt(file.length));
            }
            try (GgufFile gguf = GgufFile.read(MemorySegment.ofArray(file))) {
                readEverything(gguf, random);
                opened++;
            } catch (GgufFormatException expected) {
                // The only acceptable failure.
            } catch (RuntimeException | Error e) {
                fail("round " + round + ": " + e + " for " + HexFormat.of().formatHex(file), e);
            }
        }
        assertThat(opened).as("some damage is harmless, so some files must open").isPositive();
    }

    /**
     * Reads every key through one typed getter, picked at random so that over all rounds each key
     * meets every getter (a wrong type must be a format fault too), and touches every tensor's last byte.
     */
    private static void readEverything(GgufFile file, Random random) {
        List<Consumer<String>> getters = List.of(file::string, file::integer, file::real, file::bool,
                file::stringArray, file::floatArray, file::intArray);
        for (String key : file.metadata().keySet()) {
            try {
                getters.get(random.nextInt(getters.size())).accept(key);
            } catch (GgufFormatException wrongType) {
                // Acceptable.
            }
        }
        for (GgufTensorInfo tensor : file.tensors()) {
            file.data(tensor).get(ValueLayout.JAVA_BYTE, tensor.byteSize() - 1);
        }
    }

    /** A copy of the valid file with one change. */
    private byte[] patched(Consumer<byte[]> change) {
        byte[] file = valid.clone();
        change.accept(file);
        return file;
    }

    /** A 40-byte file: a v3 header with these counts and 16 zero bytes. */
    private static byte[] header(long tensorCount, long metadataCount) {
        return ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN)
                .put("GGUF".getBytes(StandardCharsets.US_ASCII))
                .putInt(3)
                .putLong(tensorCount)
                .putLong(metadataCount)
                .array();
    }

    private static GgufFormatException fault(byte[] file) {
        try (GgufFile opened = GgufFile.read(MemorySegment.ofArray(file))) {
            return fail("expected a GgufFormatException, but the file opened: " + opened);
        } catch (GgufFormatException e) {
            return e;
        }
    }

    private static void assertFault(byte[] file, long offset, String... messageParts) {
        GgufFormatException e = fault(file);
        assertThat(e.getMessage()).contains(messageParts);
        assertThat(e.offset()).as("offset of: %s", e.getMessage()).isEqualTo(offset);
    }

    /** As {@link #assertFault}, and the failed open allocated only a small, constant amount. */
    private static void assertFaultWithoutAllocation(byte[] file, long offset, String... messageParts) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertFault(file, offset, messageParts);
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(ALLOCATION_LIMIT);
    }
}
