package dev.sift.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sift.engine.gguf.GgufTensorInfo;
import dev.sift.engine.gguf.TensorType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Decoding hand-written blocks of every supported format. Each test's bytes are literals and its
 * expected values were decoded by hand (comments show how); every value and dot product is exact
 * in float arithmetic, so results are compared for equality.
 */
class TensorTest {

    /**
     * Three Q8_0 blocks (F16 scale, then 32 int8):
     * block 0: d = 0.5 (3800): q0 = 2, q1 = -3, q31 = 127 -> 1, -1.5, 63.5;
     * block 1: d = -2 (c000): q3 = 5, q30 = -128 -> elements 35 = -10, 62 = 256;
     * block 2: d = 0.25 (3400): q0 = -1, q16 = 100 -> elements 64 = -0.25, 80 = 25.
     */
    private static final String Q8_0_BLOCKS = ""
            + "0038" + "02fd000000000000" + "0000000000000000" + "0000000000000000" + "000000000000007f"
            + "00c0" + "0000000500000000" + "0000000000000000" + "0000000000000000" + "0000000000008000"
            + "0034" + "ff00000000000000" + "0000000000000000" + "6400000000000000" + "0000000000000000";

    /**
     * Three Q4_0 blocks (F16 scale, then 16 bytes; byte j = element j low, element j+16 high, value
     * d * (nibble - 8)):
     * block 0: d = 0.5: byte 0 = f0 -> elements 0 = -4, 16 = 3.5; byte 1 = 39 -> 1 = 0.5, 17 = -2.5;
     * block 1: d = -2: byte 5 = 7a -> elements 37 = -2 * 2 = -4, 53 = -2 * -1 = 2;
     * block 2: d = 0.25: byte 15 = f0 -> elements 79 = -2, 95 = 1.75.
     */
    private static final String Q4_0_BLOCKS = ""
            + "0038" + "f039888888888888" + "8888888888888888"
            + "00c0" + "88888888887a8888" + "8888888888888888"
            + "0034" + "8888888888888888" + "88888888888888f0";

    @Test
    void f32() {
        // 3fc00000 = 1.5, c0000000 = -2, 3e800000 = 0.25, bf800000 = -1
        Tensor t = tensor(TensorType.F32, 4, "0000c03f" + "000000c0" + "0000803e" + "000080bf");
        assertDecodes(t, 1.5f, -2f, 0.25f, -1f);
        assertThat(t.dot(0, new float[] {2, 1, 4, 3}, 0, 4)).isEqualTo(3 - 2 + 1 - 3);
        assertThat(t.dot(1, new float[] {9, 1, 4, 3}, 1, 3)).isEqualTo(-2 + 1 - 3);
    }

    @Test
    void f32DotCoversVectorLanesAndTail() {
        // Small integers: every partial sum is exact, so lane order cannot change the result.
        int n = 45;
        ByteBuffer bytes = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            bytes.putFloat(i - 20);
            x[i] = i % 7 - 3;
        }
        Tensor t = Tensor.of(TensorType.F32, MemorySegment.ofArray(bytes.array()), n);
        long expected = 0;
        for (int i = 0; i < 37; i++) {
            expected += (long) (3 + i - 20) * (long) x[1 + i];
        }
        assertThat(t.dot(3, x, 1, 37)).isEqualTo((float) expected);
    }

    @Test
    void f16() {
        // 3c00 = 1, c000 = -2, 3800 = 0.5, 7bff = 65504, 0001 = 2^-24 (smallest subnormal)
        Tensor t = tensor(TensorType.F16, 5, "003c" + "00c0" + "0038" + "ff7b" + "0100");
        assertDecodes(t, 1f, -2f, 0.5f, 65504f, 0x1p-24f);
        assertThat(t.dot(0, new float[] {3, 0.5f, 4, 1, 0}, 0, 5)).isEqualTo(3 - 1 + 2 + 65504);
    }

    @Test
    void bf16() {
        // 3f80 = 1, c040 = -3, 3fc0 = 1.5, 4049 = (1 + 73/128) * 2 = 3.140625
        Tensor t = tensor(TensorType.BF16, 4, "803f" + "40c0" + "c03f" + "4940");
        assertDecodes(t, 1f, -3f, 1.5f, 3.140625f);
        assertThat(t.dot(0, new float[] {1, 1, 2, 4}, 0, 4)).isEqualTo(1 - 3 + 3 + 12.5625f);
    }

    @Test
    void q8_0() {
        Tensor t = tensor(TensorType.Q8_0, 96, Q8_0_BLOCKS);
        float[] expected = new float[96];
        expected[0] = 1f;
        expected[1] = -1.5f;
        expected[31] = 63.5f;
        expected[35] = -10f;
        expected[62] = 256f;
        expected[64] = -0.25f;
        expected[80] = 25f;
        assertDecodes(t, expected);
        assertThat(t.dot(0, ones(96), 0, 96)).isEqualTo(1 - 1.5f + 63.5f - 10 + 256 - 0.25f + 25);
        // Blocks 1 and 2 against x[5 + k] = k + 1:
        // -2 * (5 * 4 + -128 * 31) + 0.25 * (-1 * 33 + 100 * 49) = 7896 + 1216.75
        assertThat(t.dot(32, ramp(5, 64), 5, 64)).isEqualTo(9112.75f);
    }

    @Test
    void q4_0() {
        Tensor t = tensor(TensorType.Q4_0, 96, Q4_0_BLOCKS);
        float[] expected = new float[96];
        expected[0] = -4f;
        expected[1] = 0.5f;
        expected[16] = 3.5f;
        expected[17] = -2.5f;
        expected[37] = -4f;
        expected[53] = 2f;
        expected[79] = -2f;
        expected[95] = 1.75f;
        assertDecodes(t, expected);
        assertThat(t.dot(0, ones(96), 0, 96)).isEqualTo(-4 + 0.5f + 3.5f - 2.5f - 4 + 2 - 2 + 1.75f);
        // Blocks 1 and 2 against x[2 + k] = k + 1:
        // -2 * (2 * 6 + -1 * 22) + 0.25 * (-8 * 48 + 7 * 64) = 20 + 16
        assertThat(t.dot(32, ramp(2, 64), 2, 64)).isEqualTo(36f);
    }

    @Test
    void unsupportedTypeFromAFileNamesTheTensor() {
        GgufTensorInfo info = new GgufTensorInfo("blk.0.ffn_down.weight", TensorType.Q4_K, new long[] {256}, 0, 0);
        assertThatThrownBy(() -> Tensor.of(info, MemorySegment.ofArray(new byte[144])))
                .isInstanceOfSatisfying(UnsupportedTensorTypeException.class,
                        e -> assertThat(e.type()).isEqualTo(TensorType.Q4_K))
                .hasMessageContaining("tensor 'blk.0.ffn_down.weight' has type Q4_K")
                .hasMessageContaining("supported: F32, F16, Q4_0, Q8_0, BF16");
    }

    @Test
    void supportedTypeFromAFileHasItsShapeSize() {
        GgufTensorInfo info = new GgufTensorInfo("output_norm.weight", TensorType.Q8_0, new long[] {32, 3}, 0, 0);
        Tensor t = Tensor.of(info, MemorySegment.ofArray(HexFormat.of().parseHex(Q8_0_BLOCKS)));
        assertThat(t).isInstanceOf(Q8_0Tensor.class);
        assertThat(t.type()).isEqualTo(TensorType.Q8_0);
        assertThat(t.size()).isEqualTo(96);
    }

    @Test
    void dataOfTheWrongSizeIsRefused() {
        MemorySegment block = MemorySegment.ofArray(new byte[34]);
        assertThatIllegalArgumentException().isThrownBy(() -> Tensor.of(TensorType.Q8_0, block, 64))
                .withMessageContaining("need 68 bytes, got 34");
        assertThatIllegalArgumentException().isThrownBy(() -> Tensor.of(TensorType.Q8_0, block, 16))
                .withMessageContaining("not a whole number of 32-element blocks");
        assertThatIllegalArgumentException().isThrownBy(() -> Tensor.of(TensorType.F32, block, -1));
        // 2^62 elements would need more than 2^63 bytes: refused, not an ArithmeticException.
        assertThatIllegalArgumentException().isThrownBy(() -> Tensor.of(TensorType.Q8_0, block, 1L << 62));
    }

    private static Tensor tensor(TensorType type, long elements, String hex) {
        return Tensor.of(type, MemorySegment.ofArray(HexFormat.of().parseHex(hex)), elements);
    }

    /**
     * {@code get} returns each value, and {@code dequantize} of everything and of everything after
     * the first block (or element) writes exactly those values at the output offset and nothing
     * around them. Values compare numerically: a zero quant under a negative scale decodes to -0.
     */
    private static void assertDecodes(Tensor tensor, float... expected) {
        assertThat(tensor.size()).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(tensor.get(i)).as("element %d", i).isEqualTo(expected[i]);
        }
        int block = tensor.type().blockSize();
        for (int from : new int[] {0, block}) {
            int n = expected.length - from;
            float[] out = new float[n + 2];
            Arrays.fill(out, Float.NaN);
            tensor.dequantize(from, out, 1, n);
            for (int i = 0; i < n; i++) {
                assertThat(out[1 + i]).as("dequantize from %d, element %d", from, from + i).isEqualTo(expected[from + i]);
            }
            assertThat(out[0]).isNaN();
            assertThat(out[n + 1]).isNaN();
        }
    }

    private static float[] ones(int n) {
        float[] x = new float[n];
        Arrays.fill(x, 1f);
        return x;
    }

    /** {@code x[offset + k] = k + 1} for {@code k < n}, zeros before. */
    private static float[] ramp(int offset, int n) {
        float[] x = new float[offset + n];
        for (int k = 0; k < n; k++) {
            x[offset + k] = k + 1;
        }
        return x;
    }
}
