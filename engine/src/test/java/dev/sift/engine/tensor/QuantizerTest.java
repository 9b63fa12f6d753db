package dev.sift.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sift.engine.gguf.TensorType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The encoders produce ggml's bytes exactly. Expected bytes are worked out by hand from ggml's
 * reference quantizers (comments show the arithmetic), except where noted as produced by the
 * synthetic models' numpy port of them, which was checked byte for byte against ggml itself, or by
 * ggml itself (the K-quant search cannot reasonably be followed by hand).
 */
class QuantizerTest {

    private static final HexFormat HEX = HexFormat.of();

    /** A 32-element block: {@code leading} followed by zeros. */
    private static float[] block(float... leading) {
        return Arrays.copyOf(leading, 32);
    }

    private static void assertEncodes(byte[] actual, String expectedHex) {
        assertThat(HEX.formatHex(actual)).isEqualTo(expectedHex);
    }

    @Test
    void q8_0RoundsHalfAwayFromZero() {
        // amax 127 -> d = 1 (f16 3c00), id = 1; roundf: -63.5 -> -64, 2.5 -> 3, -2.5 -> -3, 0.5 -> 1, -0.5 -> -1.
        float[] x = block(127f, -63.5f, 2.5f, -2.5f, 0.5f, -0.5f, 1.49f, -0.51f);
        assertEncodes(Quantizer.quantizeQ8_0(x), "003c" + "7fc003fd01ff01ff" + "00".repeat(24));
    }

    @Test
    void q8_0TakesItsScaleFromTheLargestMagnitude() {
        // amax |-254| -> d = 2 (f16 4000), id = 0.5: -127, 0.5 -> 1, 1.5 -> 2, -0.5 -> -1, -2.5 -> -3.
        float[] x = block(-254f, 1f, 3f, -1f, -5f);
        assertEncodes(Quantizer.quantizeQ8_0(x), "0040" + "810102fffd" + "00".repeat(27));
    }

    @Test
    void q8_0MultipliesByTheReciprocalScale() {
        // amax = 1.6161821 (0x3fcedf0e): x = 1.5334641 (0x3fc4488d) gives x * (1/d) = 120.49999 -> 120,
        // where x / d = 120.5 would round to 121. Bytes from the numpy port of ggml.
        float[] x = block(Float.intBitsToFloat(0x3fcedf0e), Float.intBitsToFloat(0x3fc4488d));
        assertEncodes(Quantizer.quantizeQ8_0(x), "8422" + "7f78" + "00".repeat(30));
    }

    @Test
    void zeroBlocksHaveZeroScale() {
        float[] zeros = new float[32];
        assertEncodes(Quantizer.quantizeQ8_0(zeros), "00".repeat(34));
        // Q4_0: d = 0 / -8 = -0 (f16 8000, as ggml writes it), id = 0, so every nibble is (int) 8.5 = 8.
        assertEncodes(Quantizer.quantizeQ4_0(zeros), "0080" + "88".repeat(16));
        // Q4_1 and Q5_1: d = 0, m = 0, q = (int) 0.5 = 0. Q5_0: d = -0 as Q4_0, q = (int) 16.5 = 16, so
        // every fifth bit is set.
        assertEncodes(Quantizer.quantizeQ4_1(zeros), "00".repeat(20));
        assertEncodes(Quantizer.quantizeQ5_0(zeros), "0080" + "ffffffff" + "00".repeat(16));
        assertEncodes(Quantizer.quantizeQ5_1(zeros), "00".repeat(24));
        // K-quants: every sub-block's scale and minimum is 0 (Q6_K writes the block with memset).
        float[] zeroBlock = new float[256];
        assertEncodes(Quantizer.quantizeQ4_K(zeroBlock), "00".repeat(144));
        assertEncodes(Quantizer.quantizeQ5_K(zeroBlock), "00".repeat(176));
        assertEncodes(Quantizer.quantizeQ6_K(zeroBlock), "00".repeat(210));
    }

    @Test
    void q4_0PacksElementJLowAndElementJPlus16High() {
        // max = -8 (the first of the two largest magnitudes) -> d = 1 (3c00), id = 1; nibble = (int) (x + 8.5):
        // x0 -8 -> 0, x1 8 -> 16 -> clamped 15, x2 0.5 -> 9, x3 -0.5 -> 8 (8.0 exactly), x4 1.49 -> 9,
        // x5 -3.7 -> 4, x16 7 -> 15, x17 -7.9 -> 0; byte j = nibble(j) | nibble(j + 16) << 4.
        float[] x = block(-8f, 8f, 0.5f, -0.5f, 1.49f, -3.7f);
        x[16] = 7f;
        x[17] = -7.9f;
        assertEncodes(Quantizer.quantizeQ4_0(x), "003c" + "f00f89888984" + "88".repeat(10));
    }

    @Test
    void q4_0TakesTheSignOfTheFirstLargestMagnitude() {
        // As above with x0 and x1 swapped: max = 8 -> d = -1 (bc00), id = -1; nibble = (int) (8.5 - x):
        // x0 8 -> 0, x1 -8 -> 15, x2 -> 8, x3 -> 9, x4 -> 7, x5 -> 12, x16 7 -> 1, x17 -7.9 -> 16 -> 15.
        float[] x = block(8f, -8f, 0.5f, -0.5f, 1.49f, -3.7f);
        x[16] = 7f;
        x[17] = -7.9f;
        assertEncodes(Quantizer.quantizeQ4_0(x), "00bc" + "10ff8889878c" + "88".repeat(10));
    }

    @Test
    void q4_1MapsTheRangeOntoSixteenLevels() {
        // min = -1, max = 14 -> d = 15 / 15 = 1 (3c00), m = -1 (bc00), id = 1; q = (int) (x + 1 + 0.5):
        // x0 -1 -> 0, x1 14 -> 15, x2 2.4 -> 3, x3 2.5 -> 4 (3.5 + 0.5 truncates to 4), zeros -> 1,
        // x16 7 -> 8, x17 -0.6 -> 0; byte j = q(j) | q(j + 16) << 4.
        float[] x = block(-1f, 14f, 2.4f, 2.5f);
        x[16] = 7f;
        x[17] = -0.6f;
        assertEncodes(Quantizer.quantizeQ4_1(x), "003c" + "00bc" + "800f1314" + "11".repeat(12));
    }

    @Test
    void q5_0KeepsTheFifthBitsInAWord() {
        // max = -16 -> d = 1 (3c00), id = 1; q = min(31, (int) (x + 16.5)): x0 -16 -> 0, x1 16 -> 32 ->
        // clamped 31, x2 0.5 -> 17, x3 -0.5 -> 16, zeros -> 16, x16 15 -> 31, x17 -15.9 -> 0.
        // qh has bit j set where q(j) >= 16: all but bits 0 and 17 -> fffdfffe, little-endian;
        // nibbles as Q4_0's: byte 0 = 0 | 15 << 4, byte 1 = 15 | 0 << 4, byte 2 = 1 | 0 << 4.
        float[] x = block(-16f, 16f, 0.5f, -0.5f);
        x[16] = 15f;
        x[17] = -15.9f;
        assertEncodes(Quantizer.quantizeQ5_0(x), "003c" + "fefffdff" + "f00f01" + "00".repeat(13));
    }

    @Test
    void q5_1MapsTheRangeOntoThirtyTwoLevels() {
        // min = -1, max = 30 -> d = 31 / 31 = 1 (3c00), m = -1 (bc00); q = (int) (x + 1 + 0.5): x0 -> 0,
        // x1 30 -> 31, x2 14.5 -> 16, x3 14.49 -> 15, zeros -> 1, x16 20 -> 21, x17 3 -> 4.
        // qh: bits 1, 2 and 16 -> 00010006; nibbles: 0 | 5 << 4, 15 | 4 << 4, 0 | 1 << 4, 15 | 1 << 4, 1 | 1 << 4.
        float[] x = block(-1f, 30f, 14.5f, 14.49f);
        x[16] = 20f;
        x[17] = 3f;
        assertEncodes(Quantizer.quantizeQ5_1(x), "003c" + "00bc" + "06000100" + "504f101f" + "11".repeat(12));
    }

    /** Two blocks of x_i = ((37 i) mod 101 - 50) / 7; bytes from the numpy port of ggml's quantizers. */
    @Test
    void matchesGgmlOnARegularRamp() {
        float[] x = regularRamp(64);
        assertEncodes(Quantizer.quantizeQ8_0(x), "332b81df3d9af856b41270cd2b89e745a2005ebb1977d53390ee4caa0866c3217fdc"
                + "0e2b3c96f656b0106fca2984e3439efd5db71777d1318beb4ba50565bf1f7fd93993");
        assertEncodes(Quantizer.quantizeQ4_0(x), "253be046acf258bd1379df358be046acf268"
                + "00bb740fb953fd9731eb852fca640ea842fd");
    }

    /**
     * The same ramp for the other 32-element formats; bytes from ggml itself ({@code ggml_quantize_chunk}
     * in the {@code libggml-base} that node-llama-cpp 3.21.1 ships, the build that made the synthetic
     * models' references).
     */
    @Test
    void smallBlockFormatsMatchGgmlOnARegularRamp() {
        float[] x = regularRamp(64);
        assertEncodes(Quantizer.quantizeQ4_1(x), "9e3b25c7d0369bf157bd1369ce248ae0469cf257"
                + "643bdbc69bf157ad0368ce248ad0469bf257bd13");
        assertEncodes(Quantizer.quantizeQ5_0(x), "2537a4a52d6dc07c38f3bf6b26e2ae5a15d18d49"
                + "f4c000b796b6b4a4d81d61a5fa3e72b7fb3f84c80c5094e9");
        assertEncodes(Quantizer.quantizeQ5_1(x), "603725c7a4a52d6db07b37e3af6a26d29d5905c18c48f4b0"
                + "2737dbc669494b5b27e2ae5a15d19d4904c07c38f3bf6b26");
    }

    /**
     * One K-quant super-block of the ramp, with elements 32-63 made positive (a sub-block whose minimum
     * clamps to 0) and elements 64-79 zero (a zero Q6_K sub-block); bytes from ggml itself, as above.
     */
    @Test
    void kQuantsMatchGgmlOnARegularRamp() {
        float[] x = regularRamp(256);
        for (int i = 32; i < 64; i++) {
            x[i] = Math.abs(x[i]);
        }
        Arrays.fill(x, 64, 80, 0f);
        assertEncodes(Quantizer.quantizeQ4_K(x), "d3232d2f" + "ffdffafcfec1f7fdbfccefff"
                + "70d51ba1a72cd3785ef44a80c61bb2973de3696ee53a91b61cc2884df4597fd5"
                + "2787e747a70757b71777d73797e747a7046ac0267bd1379df359bf146ac0268c"
                + "9df359be157ac1268ce248ad0459b0157bd1379ce348ae046ac0267bd2379df3"
                + "156ac1268cd2489df459b0157bc1378ce348ae046ab0267bd2379de359ae156a");
        assertEncodes(Quantizer.quantizeQ5_K(x), "7d1f3a2f" + "ffdffbfdffc1faffdfeffdcf"
                + "306a9932ca9162c9b16299324a9922ca9166c9316e99364e9966cfb166d9316e"
                + "f0ab37534f4ac6e2bdf975118c18742f6bd7c3ceda66327d2995008cf8a3efbb"
                + "5f1fdf9f4f0fcf8f3fffbf6f2fefaf5f19d5904c08c3703cf7b36f2ae6a15d19"
                + "3be8b36e2be6925e19c5814c08b4703cf7a36f2ad6925d19c5814c08b4703be7"
                + "1bd7824e0ab5713de9a4602cd8935f1bc6824e0ab5713de9a4601cd7935f1bc6");
        assertEncodes(Quantizer.quantizeQ6_K(x), ""
                + "01080f070e050d040b040b030a010900c941ea63eb74fb741d951ea72fc841c9"
                + "b135ad1a9b0c83f265e069df47cf38bd1a922484038bed79ff57d038b046a225"
                + "67df58c139b22aa22b931c85fd76ee57ce5ad137b31a902c830f86ec78ff55d1"
                + "c841da62eb63fc840d951ea63fb840c9d129b30b931c74fe86de67ff47d129b1"
                + "0481c640810740860741c60081c740822453f52482f51382f453852452f52482"
                + "d4a209d47e09a37e14a349d4ae09d77ec863be1463c9147ec923bec463bd1463"
                + "807f777a007a84877f737d7a81877c89" + "6197");
    }

    /** x_i = ((37 i) mod 101 - 50) / 7: every level of a block is hit, in no simple order. */
    private static float[] regularRamp(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = ((i * 37) % 101 - 50) / 7f;
        }
        return x;
    }

    @Test
    void f16RoundsToNearestEven() {
        float[] x = {
            1f,
            1f + 0x1p-11f, // halfway between 1 and the next half: to even, 1 (3c00)
            1f + 0x3p-11f, // halfway between 3c01 and 3c02: to even, 3c02
            65504f, // the largest half (7bff)
            65520f, // halfway between 65504 and 65536: to even, which overflows to infinity (7c00)
            -2f,
            0x1p-25f, // halfway between 0 and the smallest subnormal: 0
            0x3p-25f, // halfway between subnormals 0001 and 0002: 0002
        };
        assertEncodes(Quantizer.toF16(x), "003c" + "003c" + "023c" + "ff7b" + "007c" + "00c0" + "0000" + "0200");
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsNaNsQuiet() {
        float[] x = floatsFromBits(
                0x3f800000, // 1 -> 3f80
                0x3f808000, // halfway between 3f80 and 3f81: to even, 3f80
                0x3f818000, // halfway between 3f81 and 3f82: to even, 3f82
                0x3f808001, // just above halfway: 3f81
                0x7f7fffff, // the largest float rounds up to infinity (7f80), as in ggml
                0x7f800001, // a NaN whose payload is all in the low bits: truncation would give infinity; 7fc0
                0xffc00000, // negative quiet NaN keeps its sign: ffc0
                0x80000000); // -0 -> 8000
        assertEncodes(Quantizer.toBF16(x), "803f" + "803f" + "823f" + "813f" + "807f" + "c07f" + "c0ff" + "0080");
    }

    @Test
    void f32IsLittleEndian() {
        // 1.5 = 3fc00000, -2 = c0000000
        assertEncodes(Quantizer.toF32(new float[] {1.5f, -2f}), "0000c03f" + "000000c0");
    }

    @Test
    void quantizeDispatchesOnTheType() {
        float[] x = block(1f, -2f, 3f);
        assertThat(Quantizer.quantize(TensorType.Q8_0, x)).isEqualTo(Quantizer.quantizeQ8_0(x));
        assertThat(Quantizer.quantize(TensorType.Q4_0, x)).isEqualTo(Quantizer.quantizeQ4_0(x));
        assertThat(Quantizer.quantize(TensorType.BF16, x)).isEqualTo(Quantizer.toBF16(x));
        assertThat(Quantizer.quantize(TensorType.Q4_1, x)).isEqualTo(Quantizer.quantizeQ4_1(x));
        assertThat(Quantizer.quantize(TensorType.Q5_0, x)).isEqualTo(Quantizer.quantizeQ5_0(x));
        assertThat(Quantizer.quantize(TensorType.Q5_1, x)).isEqualTo(Quantizer.quantizeQ5_1(x));
        float[] superBlock = Arrays.copyOf(x, 256);
        assertThat(Quantizer.quantize(TensorType.Q4_K, superBlock)).isEqualTo(Quantizer.quantizeQ4_K(superBlock));
        assertThat(Quantizer.quantize(TensorType.Q5_K, superBlock)).isEqualTo(Quantizer.quantizeQ5_K(superBlock));
        assertThat(Quantizer.quantize(TensorType.Q6_K, superBlock)).isEqualTo(Quantizer.quantizeQ6_K(superBlock));
        assertThatThrownBy(() -> Quantizer.quantize(TensorType.Q3_K, superBlock))
                .isInstanceOf(UnsupportedTensorTypeException.class).hasMessageContaining("Q3_K");
        assertThatIllegalArgumentException().isThrownBy(() -> Quantizer.quantizeQ8_0(new float[31]));
        assertThatIllegalArgumentException().isThrownBy(() -> Quantizer.quantizeQ4_0(new float[33]));
        assertThatIllegalArgumentException().isThrownBy(() -> Quantizer.quantizeQ5_1(new float[48]));
        assertThatIllegalArgumentException().isThrownBy(() -> Quantizer.quantizeQ4_K(new float[128]));
    }

    /**
     * Decoding what was encoded stays within each format's error bound: half a step for Q8_0 (plus the
     * scale's own F16 rounding), one step for Q4_0 and Q5_0 (whose largest positive quant is one step
     * short of the magnitude of their most negative), half a step for Q4_1 and Q5_1 plus what the F16
     * rounding of {@code d} (at most 2^-11 of it per level) and of {@code m} adds, and half an ulp for
     * F16 and BF16.
     */
    @Test
    void roundTripErrorIsBounded() {
        float[] x = logNormalish(32 * 64, 11);
        float[] q8 = roundTrip(TensorType.Q8_0, x);
        float[] q4 = roundTrip(TensorType.Q4_0, x);
        float[] q41 = roundTrip(TensorType.Q4_1, x);
        float[] q50 = roundTrip(TensorType.Q5_0, x);
        float[] q51 = roundTrip(TensorType.Q5_1, x);
        float[] f16 = roundTrip(TensorType.F16, x);
        float[] bf16 = roundTrip(TensorType.BF16, x);
        for (int b = 0; b < x.length / 32; b++) {
            float amax = 0;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = x[b * 32 + j];
                amax = Math.max(amax, Math.abs(v));
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            float step4 = (max - min) / 15;
            float step5 = (max - min) / 31;
            float minRounding = Math.abs(min) * 0x1p-11f;
            for (int i = b * 32; i < b * 32 + 32; i++) {
                assertThat(Math.abs(q8[i] - x[i])).as("Q8_0 element %d", i).isLessThanOrEqualTo(0.57f * amax / 127);
                assertThat(Math.abs(q4[i] - x[i])).as("Q4_0 element %d", i).isLessThanOrEqualTo(1.01f * amax / 8);
                assertThat(Math.abs(q50[i] - x[i])).as("Q5_0 element %d", i).isLessThanOrEqualTo(1.01f * amax / 16);
                assertThat(Math.abs(q41[i] - x[i])).as("Q4_1 element %d", i)
                        .isLessThanOrEqualTo(step4 / 2 + 16 * step4 * 0x1p-11f + minRounding);
                assertThat(Math.abs(q51[i] - x[i])).as("Q5_1 element %d", i)
                        .isLessThanOrEqualTo(step5 / 2 + 32 * step5 * 0x1p-11f + minRounding);
                assertThat(Math.abs(f16[i] - x[i])).as("F16 element %d", i)
                        .isLessThanOrEqualTo(Math.max(Math.abs(x[i]) * 0x1p-11f, 0x1p-25f));
                assertThat(Math.abs(bf16[i] - x[i])).as("BF16 element %d", i)
                        .isLessThanOrEqualTo(Math.abs(x[i]) * 0x1p-8f);
            }
        }
    }

    /**
     * The K-quants have no simple bound per element: the scale search may clip a sub-block's outliers,
     * and a sub-block's 6-bit (Q6_K: 8-bit) scale is relative to the super-block's largest. What holds
     * is that every element is within one step of the super-block's coarsest grid, {@code 63 * d} for
     * Q4_K and Q5_K (their largest sub-block scale is 63) and {@code 128 * |d|} for Q6_K (its largest
     * is -128). On these values the worst errors are about 0.66, 0.56 and 0.5 of that.
     */
    @Test
    void kQuantRoundTripErrorIsWithinTheCoarsestStep() {
        float[] x = logNormalish(256 * 64, 12);
        for (TensorType type : new TensorType[] {TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K}) {
            byte[] encoded = Quantizer.quantize(type, x);
            float[] decoded = new float[x.length];
            Tensor.of(type, MemorySegment.ofArray(encoded), x.length).dequantize(0, decoded, 0, x.length);
            for (int b = 0; b < x.length / 256; b++) {
                float step = coarsestStep(type, encoded, b);
                for (int i = b * 256; i < b * 256 + 256; i++) {
                    assertThat(Math.abs(decoded[i] - x[i])).as("%s element %d", type, i).isLessThanOrEqualTo(step);
                }
            }
        }
    }

    /** One step of the coarsest sub-block grid of K-quant block {@code block} (see above). */
    static float coarsestStep(TensorType type, byte[] encoded, int block) {
        ByteBuffer bytes = ByteBuffer.wrap(encoded).order(ByteOrder.LITTLE_ENDIAN);
        int start = block * type.blockBytes();
        return switch (type) {
            case Q4_K, Q5_K -> 63 * Float.float16ToFloat(bytes.getShort(start));
            case Q6_K -> 128 * Math.abs(Float.float16ToFloat(bytes.getShort(start + 208)));
            default -> throw new IllegalArgumentException(type + " is not a K-quant");
        };
    }

    /** Gaussian values scaled by e^Gaussian: magnitudes over several orders, as in real weights. */
    static float[] logNormalish(int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * Math.exp(random.nextGaussian()));
        }
        return x;
    }

    private static float[] roundTrip(TensorType type, float[] x) {
        float[] out = new float[x.length];
        Tensor.of(type, MemorySegment.ofArray(Quantizer.quantize(type, x)), x.length).dequantize(0, out, 0, x.length);
        return out;
    }

    private static float[] floatsFromBits(int... bits) {
        float[] values = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            values[i] = Float.intBitsToFloat(bits[i]);
        }
        return values;
    }
}
