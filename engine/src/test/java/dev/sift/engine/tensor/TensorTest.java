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

    /**
     * Three Q4_1 blocks (F16 scale d, F16 minimum m, then 16 bytes; byte j = element j low, element
     * j+16 high, value nibble * d + m). Each block's other bytes hold the nibble that decodes to 0.
     * block 0: d = 0.5 (3800), m = -2 (c000), filler 44: byte 0 = f0 -> elements 0 = 0 - 2 = -2,
     * 16 = 7.5 - 2 = 5.5; byte 1 = 39 -> 1 = 4.5 - 2 = 2.5, 17 = 1.5 - 2 = -0.5;
     * block 1: d = 2 (4000), m = -6 (c600), filler 33: byte 5 = 7a -> elements 37 = 20 - 6 = 14,
     * 53 = 14 - 6 = 8;
     * block 2: d = 0.25 (3400), m = -0.75 (ba00), filler 33: byte 15 = f0 -> elements 79 = -0.75,
     * 95 = 3.75 - 0.75 = 3.
     */
    private static final String Q4_1_BLOCKS = ""
            + "0038" + "00c0" + "f039444444444444" + "4444444444444444"
            + "0040" + "00c6" + "33333333337a3333" + "3333333333333333"
            + "0034" + "00ba" + "3333333333333333" + "33333333333333f0";

    /**
     * Three Q5_0 blocks (F16 scale d, little-endian word qh whose bit j is element j's fifth bit,
     * then 16 bytes of low nibbles as in Q4_0; value d * (q - 16)). Filler: nibble 0 with fifth bit 1,
     * i.e. q = 16, value 0.
     * block 0: d = 0.5 (3800), qh = fffefffd (bits 1 and 16 clear): byte 0 = 0f -> element 0
     * q = 15 + 16 = 31 -> 7.5, element 16 q = 0 -> -8; byte 1 = 93 -> element 1 q = 3 -> -6.5,
     * element 17 q = 9 + 16 = 25 -> 4.5;
     * block 1: d = -2 (c000), qh = ffff7fff (bit 15 clear): byte 15 = 10 -> element 47 q = 0 -> 32,
     * element 63 q = 17 -> -2;
     * block 2: d = 0.25 (3400), qh = fffffeff (bit 8 clear): byte 8 = f4 -> element 72 q = 4 -> -3,
     * element 88 q = 31 -> 3.75.
     */
    private static final String Q5_0_BLOCKS = ""
            + "0038" + "fdfffeff" + "0f93000000000000" + "0000000000000000"
            + "00c0" + "ff7fffff" + "0000000000000000" + "0000000000000010"
            + "0034" + "fffeffff" + "0000000000000000" + "f400000000000000";

    /**
     * Three Q5_1 blocks (F16 scale d, F16 minimum m, qh and nibbles as in Q5_0; value q * d + m).
     * block 0: d = 0.5 (3800), m = -2.5 (c100), filler q = 5 (nibble 5, qh bit 0; 2.5 - 2.5 = 0),
     * qh = 00000003: byte 0 = 0f -> element 0 q = 31 -> 13, element 16 q = 0 -> -2.5; byte 1 = 95 ->
     * element 1 q = 21 -> 8, element 17 q = 9 -> 2;
     * block 1: d = 2 (4000), m = -32 (d000), filler q = 16, qh = ffff7fff: byte 15 = 10 -> element 47
     * q = 0 -> -32, element 63 q = 17 -> 2;
     * block 2: d = 0.25 (3400), m = -4 (c400), filler q = 16, qh = fffffeff: byte 8 = f4 -> element 72
     * q = 4 -> -3, element 88 q = 31 -> 3.75.
     */
    private static final String Q5_1_BLOCKS = ""
            + "0038" + "00c1" + "03000000" + "0f95555555555555" + "5555555555555555"
            + "0040" + "00d0" + "ff7fffff" + "0000000000000000" + "0000000000000010"
            + "0034" + "00c4" + "fffeffff" + "0000000000000000" + "f400000000000000";

    /**
     * The 12 packed scale bytes of {@link #Q4_K_BLOCKS} block 0 (and of Q5_K's), for (scale, min) per
     * sub-block (1, 2), (3, 0), (2, 4), (63, 1), (17, 33), (48, 5), (5, 63), (36, 20). Bytes 0-3 hold
     * scales 0-3 and bytes 4-7 mins 0-3 in their low 6 bits; bytes 8-11 hold the low 4 bits of scales
     * 4-7 (low nibble) and mins 4-7 (high nibble); their top 2 bits go to the top of bytes 0-3 (scales)
     * and 4-7 (mins): 17 = 01 0001, 48 = 11 0000, 5 = 00 0101, 36 = 10 0100; 33 = 10 0001, 5 = 00 0101,
     * 63 = 11 1111, 20 = 01 0100. So bytes 0-3 = 1 | 01 << 6, 3 | 11 << 6, 2 | 00 << 6, 63 | 10 << 6,
     * bytes 4-7 = 2 | 10 << 6, 0 | 00 << 6, 4 | 11 << 6, 1 | 01 << 6, and bytes 8-11 = 11, 50, f5, 44.
     */
    private static final String K_SCALES_0 = "41c302bf" + "8200c441" + "1150f544";

    /**
     * The packed scales of K block 1: scale 4 and min 0 everywhere but sub-block 5 (scale 20 = 01 0100,
     * min 18 = 01 0010): byte 1 = 4 | 01 << 6 (scale 5's top bits), byte 5 = 0 | 01 << 6 (min 5's),
     * byte 9 = 4 | 2 << 4.
     */
    private static final String K_SCALES_1 = "04440404" + "00400000" + "04240404";

    /**
     * Two Q4_K blocks (F16 d, F16 dmin, 12 scale bytes, 128 bytes of nibbles: byte 32c + l holds
     * element 64c + l low and 64c + 32 + l high; value d * scale * q - dmin * min, per sub-block of 32).
     * Block 0: d = 1 (3c00), dmin = 0.5 (3800), scales {@link #K_SCALES_0}; a zero quant decodes to
     * -0.5 * min: -1, 0, -2, -0.5, -16.5, -2.5, -31.5, -10 in sub-blocks 0-7. Nibbles:
     * byte 0 = 5a -> element 0 (sub 0) = 1 * 10 - 1 = 9, element 32 (sub 1) = 3 * 5 - 0 = 15;
     * byte 35 = f1 -> element 67 (sub 2) = 2 * 1 - 2 = 0, element 99 (sub 3) = 63 * 15 - 0.5 = 944.5;
     * byte 95 = 72 -> element 159 (sub 4) = 17 * 2 - 16.5 = 17.5, element 191 (sub 5) = 48 * 7 - 2.5 = 333.5;
     * byte 96 = 3e -> element 192 (sub 6) = 5 * 14 - 31.5 = 38.5, element 224 (sub 7) = 36 * 3 - 10 = 98.
     * Block 1: d = 0.25 (3400), dmin = 2 (4000), scales {@link #K_SCALES_1}; a zero quant is 0, except
     * -2 * 18 = -36 in sub-block 5 (elements 416-447). Byte 0 = 21 -> element 256 = 0.25 * 4 * 1 = 1,
     * element 288 = 2; byte 74 = 90 -> element 394 (sub 4) = 0, element 426 (sub 5) = 0.25 * 20 * 9 - 36 = 9.
     */
    private static final String Q4_K_BLOCKS = ""
            + "003c" + "0038" + K_SCALES_0
            + "5a" + "00".repeat(34) + "f1" + "00".repeat(59) + "72" + "3e" + "00".repeat(31)
            + "0034" + "0040" + K_SCALES_1
            + "21" + "00".repeat(73) + "90" + "00".repeat(53);

    /**
     * Two Q5_K blocks: {@link #Q4_K_BLOCKS} with 32 bytes qh inserted after the scales, bit s of
     * qh[l] adding 16 to element l of sub-block s. Block 0: qh[0] = 83 (bits 0, 1, 7) -> element 0
     * q = 26 -> 25, element 32 q = 21 -> 63, element 224 q = 19 -> 36 * 19 - 10 = 674; qh[3] = 0c
     * (bits 2, 3) -> element 67 q = 17 -> 32, element 99 q = 31 -> 1952.5; qh[5] = 40 (bit 6) -> element
     * 197 q = 16 -> 5 * 16 - 31.5 = 48.5; qh[31] = 10 (bit 4) -> element 159 q = 18 -> 289.5; elements
     * 191 and 192 keep 333.5 and 38.5. Block 1: qh[10] = 20 (bit 5) -> element 426 q = 25 -> 5 * 25 - 36 = 89.
     */
    private static final String Q5_K_BLOCKS = ""
            + "003c" + "0038" + K_SCALES_0
            + "83" + "0000" + "0c" + "00" + "40" + "00".repeat(25) + "10"
            + "5a" + "00".repeat(34) + "f1" + "00".repeat(59) + "72" + "3e" + "00".repeat(31)
            + "0034" + "0040" + K_SCALES_1
            + "00".repeat(10) + "20" + "00".repeat(21)
            + "21" + "00".repeat(73) + "90" + "00".repeat(53);

    /**
     * Two Q6_K blocks (128 bytes ql, 64 bytes qh, 16 int8 scales, F16 d; per half of 128, element
     * 32k + l takes its low 4 bits from ql[l] (k = 0: low nibble, k = 2: high) or ql[l + 32] (k = 1:
     * low, k = 3: high) and its top 2 bits from bits 2k, 2k + 1 of qh[l]; value d * scale[i / 16] * (q - 32)).
     * Filler: ql 00 and qh aa (top bits 10 for every quarter), i.e. q = 32, value 0.
     * Block 0: d = 0.5 (3800), scales 1, -2, 3, -4, 5, 6, 7, 8, -128, 10, 11, 12, 13, 14, 15, 127:
     * element 0: ql[0] low 0, qh[0] = a8 (bits 0-1: 0) -> q = 0 -> 0.5 * 1 * -32 = -16;
     * element 33: ql[33] = 0f, qh[1] = ae (bits 2-3: 3) -> q = 63 -> 0.5 * 3 * 31 = 46.5;
     * element 81: ql[17] = 50 (high 5), qh[17] bits 4-5 = 2 -> q = 37 -> 0.5 * 6 * 5 = 15;
     * element 126: ql[62] = 70 (high 7), qh[30] = 6a (bits 6-7: 1) -> q = 23 -> 0.5 * 8 * -9 = -36;
     * element 133: ql[69] = 01, qh[37] aa -> q = 33 -> 0.5 * -128 * 1 = -64;
     * element 180: ql[116] low 0, qh[52] = a2 (bits 2-3: 0) -> q = 0 -> 0.5 * 12 * -32 = -192;
     * element 255: ql[127] = f0, qh[63] = ea (bits 6-7: 3) -> q = 63 -> 0.5 * 127 * 31 = 1968.5.
     * Block 1: d = -0.25 (b400), scale 2 but -1 for sub-block 3: element 304 (ql[48] = 08) -> q = 40 ->
     * -0.25 * -1 * 8 = 2; element 456 (ql[72] = 30, high nibble) -> q = 35 -> -0.25 * 2 * 3 = -1.5.
     */
    private static final String Q6_K_BLOCKS = ""
            + "00".repeat(17) + "50" + "00".repeat(15) + "0f" + "00".repeat(28) + "70" + "00".repeat(6)
            + "01" + "00".repeat(57) + "f0"
            + "a8ae" + "aa".repeat(28) + "6a" + "aa".repeat(21) + "a2" + "aa".repeat(10) + "ea"
            + "01fe03fc05060708" + "800a0b0c0d0e0f7f" + "0038"
            + "00".repeat(48) + "08" + "00".repeat(23) + "30" + "00".repeat(55)
            + "aa".repeat(64)
            + "020202ff02020202" + "0202020202020202" + "00b4";

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
    void q4_1() {
        Tensor t = tensor(TensorType.Q4_1, 96, Q4_1_BLOCKS);
        float[] expected = new float[96];
        expected[0] = -2f;
        expected[1] = 2.5f;
        expected[16] = 5.5f;
        expected[17] = -0.5f;
        expected[37] = 14f;
        expected[53] = 8f;
        expected[79] = -0.75f;
        expected[95] = 3f;
        assertDecodes(t, expected);
        assertThat(t.dot(0, ones(96), 0, 96)).isEqualTo(-2 + 2.5f + 5.5f - 0.5f + 14 + 8 - 0.75f + 3);
        // Blocks 1 and 2 against x[3 + k] = k + 1: 14 * 6 + 8 * 22 - 0.75 * 48 + 3 * 64
        assertThat(t.dot(32, ramp(3, 64), 3, 64)).isEqualTo(416f);
    }

    @Test
    void q5_0() {
        Tensor t = tensor(TensorType.Q5_0, 96, Q5_0_BLOCKS);
        float[] expected = new float[96];
        expected[0] = 7.5f;
        expected[1] = -6.5f;
        expected[16] = -8f;
        expected[17] = 4.5f;
        expected[47] = 32f;
        expected[63] = -2f;
        expected[72] = -3f;
        expected[88] = 3.75f;
        assertDecodes(t, expected);
        assertThat(t.dot(0, ones(96), 0, 96)).isEqualTo(7.5f - 6.5f - 8 + 4.5f + 32 - 2 - 3 + 3.75f);
        // Blocks 1 and 2 against x[1 + k] = k + 1: 32 * 16 - 2 * 32 - 3 * 41 + 3.75 * 57
        assertThat(t.dot(32, ramp(1, 64), 1, 64)).isEqualTo(538.75f);
    }

    @Test
    void q5_1() {
        Tensor t = tensor(TensorType.Q5_1, 96, Q5_1_BLOCKS);
        float[] expected = new float[96];
        expected[0] = 13f;
        expected[1] = 8f;
        expected[16] = -2.5f;
        expected[17] = 2f;
        expected[47] = -32f;
        expected[63] = 2f;
        expected[72] = -3f;
        expected[88] = 3.75f;
        assertDecodes(t, expected);
        assertThat(t.dot(0, ones(96), 0, 96)).isEqualTo(13 + 8 - 2.5f + 2 - 32 + 2 - 3 + 3.75f);
        // Blocks 1 and 2 against x[1 + k] = k + 1: -32 * 16 + 2 * 32 - 3 * 41 + 3.75 * 57
        assertThat(t.dot(32, ramp(1, 64), 1, 64)).isEqualTo(-357.25f);
    }

    @Test
    void q4_K() {
        Tensor t = tensor(TensorType.Q4_K, 512, Q4_K_BLOCKS);
        float[] expected = kBaseline();
        expected[0] = 9f;
        expected[32] = 15f;
        expected[67] = 0f;
        expected[99] = 944.5f;
        expected[159] = 17.5f;
        expected[191] = 333.5f;
        expected[192] = 38.5f;
        expected[224] = 98f;
        expected[256] = 1f;
        expected[288] = 2f;
        expected[426] = 9f;
        assertDecodes(t, expected);
        // Block 0: zero quants give 32 * -0.5 * (2 + 0 + 4 + 1 + 33 + 5 + 63 + 20) = -2048; the eight
        // set elements add 10 + 15 + 2 + 945 + 34 + 336 + 70 + 108 = 1520. Block 1: 32 * -36 + 1 + 2 + 45.
        assertThat(t.dot(0, ones(512), 0, 512)).isEqualTo(-2048 + 1520 - 1152 + 48);
        // Block 1 alone against x[2 + k] = k + 1: sub-block 5 is elements k = 160..191, so
        // -36 * (161 + ... + 192) = -36 * 5648; then 1 * 1 + 2 * 33 + (9 + 36) * 171.
        assertThat(t.dot(256, ramp(2, 256), 2, 256)).isEqualTo(-203328 + 1 + 66 + 7695);
    }

    @Test
    void q5_K() {
        Tensor t = tensor(TensorType.Q5_K, 512, Q5_K_BLOCKS);
        float[] expected = kBaseline();
        expected[0] = 25f;
        expected[32] = 63f;
        expected[67] = 32f;
        expected[99] = 1952.5f;
        expected[159] = 289.5f;
        expected[191] = 333.5f;
        expected[192] = 38.5f;
        expected[197] = 48.5f;
        expected[224] = 674f;
        expected[256] = 1f;
        expected[288] = 2f;
        expected[426] = 89f;
        assertDecodes(t, expected);
        // As for Q4_K: block 0 adds 26 + 63 + 34 + 1953 + 306 + 336 + 70 + 80 + 684 = 3552 to -2048;
        // block 1 adds 1 + 2 + 125 to -1152.
        assertThat(t.dot(0, ones(512), 0, 512)).isEqualTo(-2048 + 3552 - 1152 + 128);
        assertThat(t.dot(256, ramp(2, 256), 2, 256)).isEqualTo(-203328 + 1 + 66 + 125 * 171);
    }

    @Test
    void q6_K() {
        Tensor t = tensor(TensorType.Q6_K, 512, Q6_K_BLOCKS);
        float[] expected = new float[512];
        expected[0] = -16f;
        expected[33] = 46.5f;
        expected[81] = 15f;
        expected[126] = -36f;
        expected[133] = -64f;
        expected[180] = -192f;
        expected[255] = 1968.5f;
        expected[304] = 2f;
        expected[456] = -1.5f;
        assertDecodes(t, expected);
        assertThat(t.dot(0, ones(512), 0, 512)).isEqualTo(-16 + 46.5f + 15 - 36 - 64 - 192 + 1968.5f + 2 - 1.5f);
        // Block 1 alone against x[2 + k] = k + 1: 2 * 49 - 1.5 * 201
        assertThat(t.dot(256, ramp(2, 256), 2, 256)).isEqualTo(-203.5f);
    }

    /** The values of the Q4_K / Q5_K test blocks where every quant is 0: {@code -dmin * min} per sub-block. */
    private static float[] kBaseline() {
        float[] subBlocks = {-1, 0, -2, -0.5f, -16.5f, -2.5f, -31.5f, -10, 0, 0, 0, 0, 0, -36, 0, 0};
        float[] values = new float[512];
        for (int i = 0; i < values.length; i++) {
            values[i] = subBlocks[i / 32];
        }
        return values;
    }

    @Test
    void unsupportedTypeFromAFileNamesTheTensor() {
        GgufTensorInfo info = new GgufTensorInfo("blk.0.ffn_down.weight", TensorType.Q3_K, new long[] {256}, 0, 0);
        assertThatThrownBy(() -> Tensor.of(info, MemorySegment.ofArray(new byte[110])))
                .isInstanceOfSatisfying(UnsupportedTensorTypeException.class,
                        e -> assertThat(e.type()).isEqualTo(TensorType.Q3_K))
                .hasMessageContaining("tensor 'blk.0.ffn_down.weight' has type Q3_K")
                .hasMessageContaining("supported: F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16");
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
