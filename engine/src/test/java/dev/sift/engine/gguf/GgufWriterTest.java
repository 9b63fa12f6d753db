package dev.sift.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The writer's byte layout, checked against hand-written bytes, and its refusal to write invalid files. */
class GgufWriterTest {

    @TempDir
    Path dir;

    @Test
    void writesTheGgufLayoutByteForByte() throws IOException {
        byte[] written = GgufBytes.bytes(new GgufWriter()
                .put("k", GgufValueType.UINT8, 7)
                .addTensor("t", TensorType.F32, new long[] {1}, new byte[] {0, 0, (byte) 0x80, 0x3f}), dir);
        String expected = ""
                + "47475546" + "03000000" // magic "GGUF", version 3
                + "0100000000000000" + "0100000000000000" // tensor count, metadata count
                + "0100000000000000" + "6b" + "00000000" + "07" // key "k", type UINT8, 7
                + "0100000000000000" + "74" + "01000000" + "0100000000000000" // tensor "t", 1 dimension of 1
                + "00000000" + "0000000000000000" // type F32, data offset 0
                + "00".repeat(96 - 71) // header is 71 bytes: pad to 32
                + "0000803f" // 1.0f
                + "00".repeat(128 - 100); // ggml pads after every tensor, the last included
        assertThat(HexFormat.of().formatHex(written)).isEqualTo(expected);
    }

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                Arguments.of(GgufValueType.UINT8, 256),
                Arguments.of(GgufValueType.UINT8, -1),
                Arguments.of(GgufValueType.INT8, 128),
                Arguments.of(GgufValueType.UINT16, 65536),
                Arguments.of(GgufValueType.INT16, -32769),
                Arguments.of(GgufValueType.UINT32, 3L),
                Arguments.of(GgufValueType.UINT64, 3),
                Arguments.of(GgufValueType.FLOAT32, 1.0),
                Arguments.of(GgufValueType.BOOL, 1),
                Arguments.of(GgufValueType.STRING, null),
                Arguments.of(GgufValueType.ARRAY, new int[] {1}),
                Arguments.of(GgufValueType.ARRAY, new GgufArray(GgufValueType.FLOAT32, new int[] {1})),
                Arguments.of(GgufValueType.ARRAY, new GgufArray(GgufValueType.STRING, new String[] {"a", null})),
                Arguments.of(GgufValueType.ARRAY, new GgufArray(GgufValueType.ARRAY,
                        new GgufArray[] {new GgufArray(GgufValueType.UINT8, new short[0])})));
    }

    @ParameterizedTest
    @MethodSource("invalidValues")
    void refusesValuesThatDoNotFitTheirType(GgufValueType type, Object value) {
        assertThatIllegalArgumentException().isThrownBy(() -> new GgufWriter().put("test.key", type, value))
                .withMessageContaining("'test.key'");
    }

    @Test
    void nestsArraysAsDeepAsTheReaderAccepts() throws IOException {
        GgufArray deepest = nested(GgufFile.MAX_ARRAY_NESTING);
        Path path = dir.resolve("deep.gguf");
        new GgufWriter().putArray("test.deep", deepest).write(path);
        try (GgufFile file = GgufFile.open(path)) {
            assertThat(file.metadata().get("test.deep")).isEqualTo(deepest);
        }
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new GgufWriter().putArray("test.deep", nested(GgufFile.MAX_ARRAY_NESTING + 1)))
                .withMessageContaining("nests arrays deeper than");
    }

    /** {@code levels} arrays inside each other around one INT32. */
    private static GgufArray nested(int levels) {
        GgufArray array = new GgufArray(GgufValueType.INT32, new int[] {1});
        for (int level = 1; level < levels; level++) {
            array = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {array});
        }
        return array;
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 3, 1L << 31})
    void refusesInvalidAlignment(long alignment) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new GgufWriter().putUInt32("general.alignment", alignment))
                .withMessageContaining("general.alignment");
    }

    @Test
    void refusesAlignmentOfTheWrongType() {
        assertThatIllegalArgumentException().isThrownBy(() -> new GgufWriter().putInt32("general.alignment", 32));
    }

    @Test
    void refusesOutOfRangeScalarsAndVersions() {
        assertThatIllegalArgumentException().isThrownBy(() -> new GgufWriter().putUInt32("test.key", 1L << 32));
        assertThatIllegalArgumentException().isThrownBy(() -> new GgufWriter().putUInt32("test.key", -1));
        assertThatIllegalArgumentException().isThrownBy(() -> new GgufWriter().version(1));
        assertThatIllegalArgumentException().isThrownBy(() -> new GgufWriter().version(4));
    }

    static Stream<Arguments> invalidTensors() {
        return Stream.of(
                Arguments.of(TensorType.F32, new long[0], "0 dimensions"),
                Arguments.of(TensorType.F32, new long[] {1, 1, 1, 1, 1}, "5 dimensions"),
                Arguments.of(TensorType.F32, new long[] {4, 0}, "dimension of size 0"),
                Arguments.of(TensorType.Q8_0, new long[] {33}, "row length 33"),
                Arguments.of(TensorType.F32, new long[] {1L << 32, 1L << 32, 1L << 32}, "larger than 2^63 bytes"));
    }

    @ParameterizedTest
    @MethodSource("invalidTensors")
    void refusesInvalidTensorShapes(TensorType type, long[] shape, String message) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new GgufWriter().addTensor("t", type, shape, out -> { }))
                .withMessageContaining(message);
    }

    @Test
    void refusesDuplicateTensorsAndDataOfTheWrongSize() {
        GgufWriter writer = new GgufWriter().addTensor("t", TensorType.F32, new long[] {2}, new byte[8]);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> writer.addTensor("t", TensorType.F32, new long[] {2}, new byte[8]))
                .withMessageContaining("duplicate tensor name 't'");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> writer.addTensor("u", TensorType.Q8_0, new long[] {32}, new byte[33]))
                .withMessageContaining("needs 34 bytes, got 33");
    }

    @ParameterizedTest
    @ValueSource(ints = {7, 9})
    void streamedDataOfTheWrongSizeFailsAndLeavesNoFile(int length) {
        Path path = dir.resolve("partial.gguf");
        GgufWriter writer = new GgufWriter()
                .addTensor("t", TensorType.F32, new long[] {2}, out -> out.write(new byte[length]));
        assertThatThrownBy(() -> writer.write(path)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tensor 't' data");
        assertThat(Files.exists(path)).isFalse();
    }

    @Test
    void replacesAnEarlierValueInPlace() throws IOException {
        Path path = dir.resolve("replaced.gguf");
        new GgufWriter().putUInt32("test.a", 1).putString("test.b", "b").putUInt32("test.a", 3).write(path);
        try (GgufFile file = GgufFile.open(path)) {
            assertThat(file.metadata().keySet()).containsExactly("test.a", "test.b");
            assertThat(file.integer("test.a")).contains(3);
        }
    }
}
