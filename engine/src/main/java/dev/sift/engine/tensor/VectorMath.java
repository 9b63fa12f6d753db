package dev.sift.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Three float-vector operations the Vector API does not give in a fixed, fast form: summing the
 * lanes of a vector, the exponential, and widening half-precision floats. The first two it leaves
 * to the implementation: {@code reduceLanes(ADD)} adds
 * the lanes in one order when interpreted and in another once compiled, and {@code lanewise(EXP)}
 * calls {@link Math#exp} per lane when interpreted but a vector library once compiled, so a logit
 * could move by an ulp depending on whether the JIT had got to a kernel yet. These are built from
 * additions, multiplications and fused multiply-adds only, which are exact IEEE operations either
 * way: the same inputs always give the same bits, so a prompt gives the same logits in every run.
 */
public final class VectorMath {

    /** The widest float species of the machine (8 lanes with AVX2, 16 with AVX-512). */
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private static final int LANES = F.length();
    /** Halves with as many lanes as {@link #F}, and the ints they widen to. */
    private static final VectorSpecies<Short> HALVES = VectorSpecies.of(short.class, VectorShape.forBitSize(LANES * Short.SIZE));
    private static final VectorSpecies<Integer> INTS = F.withLanes(int.class);
    /** {@code 2^112}: moves a half's exponent bias (15) to a float's (127). */
    private static final float REBIAS = 0x1p112f;
    /** Each thread's lanes of the vector being summed by {@link #sum}. */
    private static final ThreadLocal<float[]> LANES_SCRATCH = ThreadLocal.withInitial(() -> new float[LANES]);

    // Cephes' expf: exp(x) = 2^n * exp(r) with n = round(x / ln 2), r = x - n ln 2 (ln 2 split in two
    // parts so that n ln 2 is exact enough), exp(r) by a degree-5 polynomial; relative error below 2 ulp.
    private static final float EXP_HIGH = 88f;
    private static final float EXP_LOW = -87.3365447505531f;
    private static final float LOG2E = 1.44269504088896341f;
    /** Added and subtracted to round to the nearest integer (1.5 × 2^23). */
    private static final float ROUNDER = 12582912f;
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private VectorMath() {
    }

    /**
     * The sum of the lanes, in the order of {@link #fold}. The lanes go through memory: summing them
     * in registers with shuffles gives the same bits, but a shuffle inlined into a kernel's loop
     * keeps the JIT from holding that loop's vectors in registers (it runs ten times slower).
     */
    public static float sum(FloatVector v) {
        float[] lanes = LANES_SCRATCH.get();
        v.intoArray(lanes, 0);
        return fold(lanes, 0);
    }

    /**
     * The sum of the {@link #F}{@code .length()} floats at {@code lanes[offset ..]}, folded in
     * halves (element {@code i} adds element {@code i + L/2}, then {@code i + L/4}, ...), written
     * out for AVX-512's 16 lanes and AVX2's 8; other widths fold in place, overwriting the floats.
     * For kernels that store several sums of lanes at once and add them up after.
     */
    public static float fold(float[] lanes, int offset) {
        int o = offset;
        if (LANES == 16) {
            float s0 = lanes[o] + lanes[o + 8];
            float s1 = lanes[o + 1] + lanes[o + 9];
            float s2 = lanes[o + 2] + lanes[o + 10];
            float s3 = lanes[o + 3] + lanes[o + 11];
            float s4 = lanes[o + 4] + lanes[o + 12];
            float s5 = lanes[o + 5] + lanes[o + 13];
            float s6 = lanes[o + 6] + lanes[o + 14];
            float s7 = lanes[o + 7] + lanes[o + 15];
            return ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
        }
        if (LANES == 8) {
            float s0 = lanes[o] + lanes[o + 4];
            float s1 = lanes[o + 1] + lanes[o + 5];
            float s2 = lanes[o + 2] + lanes[o + 6];
            float s3 = lanes[o + 3] + lanes[o + 7];
            return (s0 + s2) + (s1 + s3);
        }
        for (int width = LANES / 2; width > 0; width /= 2) {
            for (int i = o; i < o + width; i++) {
                lanes[i] += lanes[i + width];
            }
        }
        return lanes[o];
    }

    /**
     * {@code to[i] = e^(from[i] * scale - shift)} for {@code i < n} ({@code from} and {@code to} may
     * be the same array), returning the sum of the {@code to[i]}. Within 2 ulp; arguments are
     * clamped to {@code [-87.34, 88]}, so very negative ones give about {@code 1e-38} rather than 0
     * and very positive ones about {@code 1.7e38} rather than infinity. Every vector, the last partial
     * one included, goes through the same masked lanes, so an element gets the same exponential
     * wherever it falls.
     *
     * <p>An operation on arrays rather than on a vector, with the polynomial written out in the
     * loop: a method taking or returning vectors is inlined into its callers only while the JIT has
     * not compiled it on its own, and once it has, every call boxes its vectors (softmax and SwiGLU
     * then allocated tens of megabytes a second).
     */
    public static float exp(float[] from, float[] to, int n, float scale, float shift) {
        FloatVector sums = FloatVector.zero(F);
        for (int i = 0; i < n; i += LANES) {
            VectorMask<Float> lanes = F.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(F, from, i, lanes).mul(scale).sub(shift).max(EXP_LOW).min(EXP_HIGH);
            FloatVector k = x.mul(LOG2E).add(ROUNDER).sub(ROUNDER);
            FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HIGH), x);
            r = k.fma(FloatVector.broadcast(F, -LN2_LOW), r);
            FloatVector p = r.fma(P0, P1);
            p = p.fma(r, FloatVector.broadcast(F, P2));
            p = p.fma(r, FloatVector.broadcast(F, P3));
            p = p.fma(r, FloatVector.broadcast(F, P4));
            p = p.fma(r, FloatVector.broadcast(F, P5));
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            IntVector exponent = ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
            FloatVector e = y.mul(exponent.reinterpretAsFloats());
            e.intoArray(to, i, lanes);
            sums = FloatVector.zero(F).blend(e, lanes).add(sums);
        }
        return sum(sums);
    }

    /**
     * {@code to[toOffset + i] = Float.float16ToFloat(from[fromOffset + i])} for {@code i < n}, bit
     * for bit, except that a signalling NaN comes out quiet (its payload kept), as the processor's own
     * conversion gives it; {@link #F}{@code .length()} halves at a time. The Vector API
     * has no half-precision conversion, and the JIT vectorizes the plain loop over
     * {@link Float#float16ToFloat} only in some of its compilations of it: when it did not, attention
     * over an F16 cache ran several times slower.
     */
    public static void halfToFloat(short[] from, int fromOffset, float[] to, int toOffset, int n) {
        int i = 0;
        for (int upper = HALVES.loopBound(n); i < upper; i += LANES) {
            widen(ShortVector.fromArray(HALVES, from, fromOffset + i)).intoArray(to, toOffset + i);
        }
        for (; i < n; i++) {
            to[toOffset + i] = halfToFloat(from[fromOffset + i]);
        }
    }

    /** {@link #halfToFloat(short[], int, float[], int, int)} of little-endian halves at byte {@code offset} of {@code from}. */
    public static void halfToFloat(MemorySegment from, long offset, float[] to, int toOffset, int n) {
        int i = 0;
        for (int upper = HALVES.loopBound(n); i < upper; i += LANES) {
            widen(ShortVector.fromMemorySegment(HALVES, from, offset + (long) i * Short.BYTES, ByteOrder.LITTLE_ENDIAN))
                    .intoArray(to, toOffset + i);
        }
        for (; i < n; i++) {
            to[toOffset + i] = halfToFloat(from.get(Tensor.F16, offset + (long) i * Short.BYTES));
        }
    }

    /** One half as {@link #halfToFloat(short[], int, float[], int, int)} widens it. */
    public static float halfToFloat(short half) {
        float value = Float.float16ToFloat(half);
        return Float.isNaN(value) ? Float.intBitsToFloat(Float.floatToRawIntBits(value) | 0x0040_0000) : value;
    }

    /**
     * The halves as floats: exponent and significand shifted into a float's places and scaled by
     * {@code 2^112}, which rebiases the exponent and turns subnormal halves into normal floats, both
     * exactly; infinities and NaNs (exponent all ones) get a float's all-ones exponent instead, and
     * NaNs the quiet bit.
     */
    private static FloatVector widen(ShortVector halves) {
        IntVector bits = (IntVector) halves.convertShape(VectorOperators.ZERO_EXTEND_S2I, INTS, 0);
        IntVector magnitude = bits.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        IntVector finite = magnitude.reinterpretAsFloats().mul(REBIAS).reinterpretAsInts();
        VectorMask<Integer> special = bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00);
        VectorMask<Integer> nan = bits.and(0x7FFF).compare(VectorOperators.GT, 0x7C00);
        IntVector infinityOrNan = magnitude.or(0x7F80_0000).blend(magnitude.or(0x7FC0_0000), nan);
        IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        return finite.blend(infinityOrNan, special).or(sign).reinterpretAsFloats();
    }
}
