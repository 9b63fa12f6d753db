package dev.sift.engine.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VectorMathTest {

    /**
     * Every one of the 65,536 halves, at every offset within a vector (and so through the vector
     * lanes and the scalar tail), bit for bit as the JDK widens them, NaNs made quiet.
     */
    @Test
    void halfToFloatMatchesTheJdkOnEveryHalf() {
        short[] halves = new short[65_536 + 7];
        for (int i = 0; i < 65_536; i++) {
            halves[i + 3] = (short) i;
        }
        float[] widened = new float[halves.length + 5];
        for (int shift = 0; shift < 4; shift++) {
            VectorMath.halfToFloat(halves, 3 - shift, widened, 5, 65_536 + shift);
            for (int i = 0; i < 65_536 + shift; i++) {
                short half = halves[3 - shift + i];
                assertEquals(expected(half), Float.floatToRawIntBits(widened[5 + i]),
                        () -> "half 0x" + Integer.toHexString(Short.toUnsignedInt(half)));
            }
        }
    }

    @Test
    void halfToFloatReadsLittleEndianHalvesFromASegment() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(2 * 65_536 + 1);
            for (int i = 0; i < 65_536; i++) {
                segment.set(Tensor.F16, 1 + 2L * i, (short) i);
            }
            float[] widened = new float[65_536];
            VectorMath.halfToFloat(segment, 1, widened, 0, 65_535);
            for (int i = 0; i < 65_535; i++) {
                assertEquals(expected((short) i), Float.floatToRawIntBits(widened[i]),
                        "half 0x" + Integer.toHexString(i));
            }
            assertEquals(0f, widened[65_535], "nothing written past n");
        }
    }

    @Test
    void signallingNanHalvesComeOutQuietWithTheirPayload() {
        assertEquals(0x7FC0_2000, Float.floatToRawIntBits(VectorMath.halfToFloat((short) 0x7C01)));
        assertEquals(0xFFC0_2000, Float.floatToRawIntBits(VectorMath.halfToFloat((short) 0xFC01)));
        assertEquals(0x7FFF_E000, Float.floatToRawIntBits(VectorMath.halfToFloat((short) 0x7FFF)));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.halfToFloat((short) 0x7C00));
    }

    /** The JDK's widening, NaNs given the quiet bit (its intrinsic does, its Java code does not). */
    private static int expected(short half) {
        int bits = Float.floatToRawIntBits(Float.float16ToFloat(half));
        return Float.isNaN(Float.intBitsToFloat(bits)) ? bits | 0x0040_0000 : bits;
    }
}
