package dev.sift.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sift.engine.gguf.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The encoders produce ggml's bytes exactly. Expected bytes are worked out by hand from ggml's
 * reference quantizers (comments show the arithmetic), except where noted as produced by the
 * synthetic models' numpy port of them, which was checked byte for byte against ggml itself.
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

    /** Two blocks of x_i = ((37 i) mod 101 - 50) / 7; bytes from the numpy port of ggml's quantizers. */
    @Test
    void matchesGgmlOnARegularRamp() {
        float[] x = new float[64];
        for (int i = 0; i < x.length; i++) {
            x[i] = ((i * 37) % 101 - 50) / 7f;
        }
        assertEncodes(Quantizer.quantizeQ8_0(x), "332b81df3d9af856b41270cd2b89e745a2005ebb1977d53390ee4caa0866c3217fdc"
                + "0e2b3c96f656b0106fca2984e3439efd5db71777d1318beb4ba50565bf1f7fd93993");
        assertEncodes(Quantizer.quantizeQ4_0(x), "253be046acf258bd1379df358be046acf268"
                + "00bb740fb953fd9731eb852fca640ea842fd");
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
        assertThatThrownBy(() -> Quantizer.quantize(TensorType.Q4_K, x))
                .isInstanceOf(UnsupportedTensorTypeException.class).hasMessageContaining("Q4_K");
        assertThatIllegalArgumentException().isThrownBy(() -> Quantizer.quantizeQ8_0(new float[31]));
        assertThatIllegalArgumentException().isThrownBy(() -> Quantizer.quantizeQ4_0(new float[33]));
    }

    /**
     * Decoding what was encoded stays within each format's error bound: half a step for Q8_0 (plus the
     * scale's own F16 rounding), one step for Q4_0 (whose largest positive nibble is one step short
     * of the magnitude of its most negative), and half an ulp for F16 and BF16.
     */
    @Test
    void roundTripErrorIsBounded() {
        Random random = new Random(11);
        float[] x = new float[32 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * Math.exp(random.nextGaussian()));
        }
        float[] q8 = roundTrip(TensorType.Q8_0, x);
        float[] q4 = roundTrip(TensorType.Q4_0, x);
        float[] f16 = roundTrip(TensorType.F16, x);
        float[] bf16 = roundTrip(TensorType.BF16, x);
        for (int b = 0; b < x.length / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[b * 32 + j]));
            }
            for (int i = b * 32; i < b * 32 + 32; i++) {
                assertThat(Math.abs(q8[i] - x[i])).as("Q8_0 element %d", i).isLessThanOrEqualTo(0.57f * amax / 127);
                assertThat(Math.abs(q4[i] - x[i])).as("Q4_0 element %d", i).isLessThanOrEqualTo(1.01f * amax / 8);
                assertThat(Math.abs(f16[i] - x[i])).as("F16 element %d", i)
                        .isLessThanOrEqualTo(Math.max(Math.abs(x[i]) * 0x1p-11f, 0x1p-25f));
                assertThat(Math.abs(bf16[i] - x[i])).as("BF16 element %d", i)
                        .isLessThanOrEqualTo(Math.abs(x[i]) * 0x1p-8f);
            }
        }
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
