package dev.sift.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species the dot-product kernels use, and a per-thread float scratch for the formats
 * that are decoded a block at a time before a vector multiply-add.
 */
final class Simd {

    /** The widest float species of the machine (8 lanes with AVX2, 16 with AVX-512). */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Lanes of {@link #F}. */
    static final int LANES = F.length();
    /**
     * Bytes with as many lanes as {@link #F}, so that one cast turns them into one float vector;
     * {@code null} where no such byte vector exists (4 float lanes, 128-bit vectors such as NEON's,
     * would need 32-bit byte vectors): the byte kernels are then off ({@link #BYTE_KERNELS}).
     */
    static final VectorSpecies<Byte> B = LANES >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * Byte.SIZE)) : null;
    /** Ints with as many lanes as {@link #F}: bytes widened to them are unpacked with one 32-bit operation per vector. */
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Scratch floats per thread: one super-block of 256 elements. */
    static final int SCRATCH = 256;

    private static final ThreadLocal<float[]> SCRATCH_BUFFER = ThreadLocal.withInitial(() -> new float[SCRATCH]);

    private Simd() {
    }

    /** This thread's scratch of {@link #SCRATCH} floats; fetch once per dot product, not per block. */
    static float[] scratch() {
        return SCRATCH_BUFFER.get();
    }

    /**
     * {@code x[from] + ... + x[from + n - 1]} for {@code n} a multiple of 4, in four running sums
     * so that each addition waits for the one four elements back rather than the previous one;
     * the same order every time.
     */
    static float sum(float[] x, int from, int n) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        // Counted from 0, so that inlined with a constant n the loop has a constant trip count, which
        // C2 unrolls whole (a Q4_K row's dot, sums and all: 0.57 -> 0.52 us for 2048 columns).
        for (int i = 0; i < n; i += 4) {
            s0 += x[from + i];
            s1 += x[from + i + 1];
            s2 += x[from + i + 2];
            s3 += x[from + i + 3];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@code sum(w[0..n) * x[xOffset..xOffset+n))} with vectors and a scalar tail, for any {@code n}. */
    static float dot(float[] w, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += LANES) {
            acc = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, x, xOffset + i), acc);
        }
        float sum = VectorMath.sum(acc);
        for (; i < n; i++) {
            sum += w[i] * x[xOffset + i];
        }
        return sum;
    }

    /**
     * {@code -Dsift.kernels=scalar} selects the scalar reference kernels (one byte at a time), to
     * measure the vector kernels against them or to rule them out when debugging.
     */
    static final boolean SCALAR = "scalar".equals(System.getProperty("sift.kernels"));

    /** Whether the byte-lane kernels can be used (a byte vector of {@link #LANES} lanes exists). */
    static final boolean BYTE_KERNELS = !SCALAR && LANES >= 8 && LANES <= 64 && ByteVector.SPECIES_MAX.length() >= LANES;
}
