package dev.sift.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The super-block layout that ggml's Q4_K and Q5_K share, decoded here once for both.
 *
 * <p>A block of 256 elements is eight sub-blocks of 32. It starts with an F16 scale {@code d} and an
 * F16 scale {@code dmin}, then 12 bytes packing a 6-bit scale {@code sc} and a 6-bit minimum
 * {@code m} per sub-block (see {@link #pack}); Q5_K then has 32 bytes {@code qh} of fifth bits; both
 * end with 128 bytes {@code qs} of nibbles. The elements come in four chunks of 64: byte {@code l} of
 * chunk {@code c}'s 32 bytes of {@code qs} holds element {@code 64c + l} (sub-block {@code 2c}) in
 * its low nibble and element {@code 64c + 32 + l} (sub-block {@code 2c + 1}) in its high nibble, and
 * in Q5_K bit {@code s} of {@code qh[l]} is the fifth bit of element {@code l} of sub-block {@code s}.
 * An element of sub-block {@code s} with quant {@code q} is {@code d * sc[s] * q - dmin * m[s]}.
 */
final class ScaleMinBlocks {

    static final int BLOCK = 256;
    static final int SUB_BLOCKS = 8;
    static final int SUB_BLOCK = 32;
    /** Bytes packing the eight scales and eight minimums. */
    static final int SCALES_BYTES = 12;
    /** Bytes of Q5_K's fifth bits. */
    static final int QH_BYTES = 32;
    /** Bytes of nibbles. */
    static final int QS_BYTES = 128;
    private static final int SCALES_OFFSET = 4;
    private static final int NO_FIFTH_BITS = -1;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int SIX_BITS = 0x3F3F3F3F;
    private static final int LOW_NIBBLES = 0x0F0F0F0F;
    private static final int TWO_BITS = 0x03030303;
    /** The eight scales and eight minimums as 16 bytes, two longs. */
    private static final VectorSpecies<Long> PACKED = LongVector.SPECIES_128;
    /**
     * Where a block's sixteen factors go in the thread's {@link Simd#scratch}: after the row's
     * lanes that {@link #rowDot} keeps at its start.
     */
    private static final int FACTORS = Simd.LANES;
    /** Whether the vector kernels apply: byte vectors of the float lanes, which divide a sub-block. */
    private static final boolean VECTOR_KERNEL = Simd.BYTE_KERNELS && Simd.LANES <= SUB_BLOCK;
    /** A block's factors: eight scales, then eight minimums. */
    private static final int FACTOR_COUNT = 2 * SUB_BLOCKS;
    /** Each thread's {@link #inputSums}, grown to the widest row seen. */
    private static final ThreadLocal<float[]> INPUT_SUMS = ThreadLocal.withInitial(() -> new float[0]);
    /** Per {@link Simd#LANES} of the sixteen factors, the lanes that are minimums. */
    @SuppressWarnings("unchecked")
    private static final VectorMask<Float>[] MINS = new VectorMask[Math.max(1, FACTOR_COUNT / Simd.LANES)];

    static {
        boolean[] isMin = new boolean[Math.max(FACTOR_COUNT, Simd.LANES)];
        Arrays.fill(isMin, SUB_BLOCKS, FACTOR_COUNT, true);
        for (int part = 0; part < MINS.length; part++) {
            MINS[part] = VectorMask.fromArray(Simd.F, isMin, part * Simd.LANES);
        }
    }

    private final MemorySegment data;
    private final int blockBytes;
    private final int qhOffset;
    private final int qsOffset;

    private ScaleMinBlocks(MemorySegment data, boolean fifthBits) {
        this.data = data;
        this.qhOffset = fifthBits ? SCALES_OFFSET + SCALES_BYTES : NO_FIFTH_BITS;
        this.qsOffset = SCALES_OFFSET + SCALES_BYTES + (fifthBits ? QH_BYTES : 0);
        this.blockBytes = qsOffset + QS_BYTES;
    }

    /** Q4_K: 144 bytes a block, 4-bit quants. */
    static ScaleMinBlocks q4K(MemorySegment data) {
        return new ScaleMinBlocks(data, false);
    }

    /** Q5_K: 176 bytes a block, 4-bit quants plus a fifth bit each from {@code qh}. */
    static ScaleMinBlocks q5K(MemorySegment data) {
        return new ScaleMinBlocks(data, true);
    }

    /**
     * Packs eight 6-bit scales and minimums into 12 bytes, the inverse of ggml's
     * {@code get_scale_min_k4}: sub-blocks 0-3 keep their scale and minimum whole in bytes
     * {@code j} and {@code j + 4}; sub-blocks 4-7 have their low 4 bits of scale and minimum in
     * byte {@code j + 4}'s two nibbles and their top 2 bits in the spare top bits of bytes
     * {@code j - 4} (scale) and {@code j} (minimum).
     */
    static byte[] pack(int[] scales, int[] mins) {
        byte[] q = new byte[SCALES_BYTES];
        for (int j = 0; j < SUB_BLOCKS; j++) {
            if (j < 4) {
                q[j] = (byte) scales[j];
                q[j + 4] = (byte) mins[j];
            } else {
                q[j + 4] = (byte) ((scales[j] & 0xF) | (mins[j] & 0xF) << 4);
                q[j - 4] |= (byte) ((scales[j] >>> 4) << 6);
                q[j] |= (byte) ((mins[j] >>> 4) << 6);
            }
        }
        return q;
    }

    /** The 6-bit scale of sub-block {@code j} of the block at byte {@code base} (see {@link #pack}). */
    private int scale(long base, int j) {
        return j < 4
                ? scalesByte(base, j) & 63
                : (scalesByte(base, j + 4) & 0xF) | (scalesByte(base, j - 4) >>> 6) << 4;
    }

    /** The 6-bit minimum of sub-block {@code j} of the block at byte {@code base} (see {@link #pack}). */
    private int min(long base, int j) {
        return j < 4
                ? scalesByte(base, j + 4) & 63
                : (scalesByte(base, j + 4) >>> 4) | (scalesByte(base, j) >>> 6) << 4;
    }

    private int scalesByte(long base, int i) {
        return unsigned(base + SCALES_OFFSET + i);
    }

    private int unsigned(long offset) {
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, offset));
    }

    private float half(long offset) {
        return Float.float16ToFloat(data.get(Tensor.F16, offset));
    }

    /** Byte {@code l} of {@code qh} shifted so that bit 0 is chunk {@code c}'s low sub-block's; 0 for Q4_K. */
    private int fifthBits(long base, int c, int l) {
        return qhOffset == NO_FIFTH_BITS ? 0 : unsigned(base + qhOffset + l) >>> (2 * c);
    }

    float get(long index) {
        long base = index / BLOCK * blockBytes;
        int i = (int) (index % BLOCK);
        int sub = i / SUB_BLOCK;
        int c = sub / 2;
        int l = i % SUB_BLOCK;
        int high = sub % 2;
        int q = ((unsigned(base + qsOffset + SUB_BLOCK * c + l) >>> (4 * high)) & 0xF)
                | ((fifthBits(base, c, l) >>> high) & 1) << 4;
        // ggml's order: (d * sc) * q - dmin * m
        return half(base) * scale(base, sub) * q - half(base + 2) * min(base, sub);
    }

    /**
     * Per sub-block, {@link Simd#LANES} bytes of nibbles (and of fifth bits) at a time widened to
     * float lanes and turned into {@code (d * sc) * q - dmin * m}.
     */
    void dequantize(long from, float[] out, int outOffset, int n) {
        if (!VECTOR_KERNEL) {
            dequantizeScalar(from, out, outOffset, n);
            return;
        }
        for (int b = 0; b < n / BLOCK; b++) {
            dequantizeBlock((from / BLOCK + b) * blockBytes, out, outOffset + b * BLOCK);
        }
    }

    /** The block at {@code base} into {@code out[o .. o+256)}, in its own method as {@link #blockDot} is. */
    private void dequantizeBlock(long base, float[] out, int o) {
        float[] factors = Simd.scratch();
        factors(base, factors);
        for (int c = 0; c < SUB_BLOCKS / 2; c++) {
            int j = 2 * c;
            float lowScale = factors[FACTORS + j];
            float lowMin = factors[FACTORS + SUB_BLOCKS + j];
            float highScale = factors[FACTORS + j + 1];
            float highMin = factors[FACTORS + SUB_BLOCKS + j + 1];
            int oc = o + 2 * SUB_BLOCK * c;
            for (int l = 0; l < SUB_BLOCK; l += Simd.LANES) {
                IntVector bits = bytes(base + qsOffset + SUB_BLOCK * c + l);
                IntVector fifth = fifthBitLanes(base, c, l);
                lowQuants(bits, fifth).mul(lowScale).add(lowMin).intoArray(out, oc + l);
                highQuants(bits, fifth).mul(highScale).add(highMin).intoArray(out, oc + SUB_BLOCK + l);
            }
        }
    }

    /** The scalar reference of {@link #dequantize}. */
    void dequantizeScalar(long from, float[] out, int outOffset, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long base = (from / BLOCK + b) * blockBytes;
            float d = half(base);
            float dmin = half(base + 2);
            for (int c = 0; c < SUB_BLOCKS / 2; c++) {
                float d1 = d * scale(base, 2 * c);
                float m1 = dmin * min(base, 2 * c);
                float d2 = d * scale(base, 2 * c + 1);
                float m2 = dmin * min(base, 2 * c + 1);
                int o = outOffset + b * BLOCK + 2 * SUB_BLOCK * c;
                for (int l = 0; l < SUB_BLOCK; l++) {
                    int bits = unsigned(base + qsOffset + SUB_BLOCK * c + l);
                    int fifth = fifthBits(base, c, l);
                    out[o + l] = d1 * ((bits & 0xF) | (fifth & 1) << 4) - m1;
                    out[o + SUB_BLOCK + l] = d2 * ((bits >>> 4) | (fifth & 2) << 3) - m2;
                }
            }
        }
    }

    /**
     * {@code sum((d * sc * q - dmin * m) * x)}, as {@code d * sc * sum(q * x) - dmin * m * sum(x)}
     * per sub-block (see {@link #blockDot}), with the sums of {@code x} worked out for this row
     * alone; {@link #matvec} works them out once for many rows.
     */
    float dot(long from, float[] x, int xOffset, int n) {
        if (!VECTOR_KERNEL) {
            return dotScalar(from, x, xOffset, n);
        }
        return rowDot(from, x, xOffset, n, inputSums(x, xOffset, n));
    }

    /** {@link Tensor#matvec}: the sums of {@code x} once for all the rows, then {@link #rowDot} per row. */
    void matvec(float[] out, float[] x, int cols, int fromRow, int toRow) {
        if (!VECTOR_KERNEL) {
            for (int r = fromRow; r < toRow; r++) {
                out[r] = dotScalar((long) r * cols, x, 0, cols);
            }
            return;
        }
        float[] sums = inputSums(x, 0, cols);
        for (int r = fromRow; r < toRow; r++) {
            out[r] = rowDot((long) r * cols, x, 0, cols, sums);
        }
    }

    /**
     * The sum of {@code x} over each sub-block of {@code x[xOffset .. xOffset+n)}, in this thread's
     * {@link #INPUT_SUMS}: per block {@link #FACTOR_COUNT} floats, zeros where {@link #factors} puts
     * the block's scales and the eight sums where it puts the minimums, so that the factors times
     * these, lane by lane, are the block's {@code -dmin * m * sum(x)} terms. Summed in the same order
     * for every row and every split of the rows, so a row's dot product does not depend on either.
     */
    private static float[] inputSums(float[] x, int xOffset, int n) {
        int blocks = n / BLOCK;
        float[] sums = Scratch.atLeast(INPUT_SUMS, blocks * FACTOR_COUNT);
        for (int b = 0; b < blocks; b++) {
            for (int s = 0; s < SUB_BLOCKS; s++) {
                sums[b * FACTOR_COUNT + s] = 0f;
                sums[b * FACTOR_COUNT + SUB_BLOCKS + s] = Simd.sum(x, xOffset + b * BLOCK + s * SUB_BLOCK, SUB_BLOCK);
            }
        }
        return sums;
    }

    /** One row's dot product given {@link #inputSums} of {@code x}: {@link #blockDot} per block. */
    private float rowDot(long from, float[] x, int xOffset, int n, float[] sums) {
        float[] lanes = Simd.scratch();
        FloatVector.zero(Simd.F).intoArray(lanes, 0);
        for (int b = 0; b < n / BLOCK; b++) {
            blockDot((from / BLOCK + b) * blockBytes, x, xOffset + b * BLOCK, sums, b * FACTOR_COUNT, lanes);
        }
        return VectorMath.fold(lanes, 0);
    }

    /**
     * Adds the block at {@code base} times {@code x[xi ..]} to the vector lanes at {@code lanes[0 ..]}:
     * the block's factors ({@link #factors}) give its minimums times the sums of {@code x} at
     * {@code sums[s ..]} in one multiply-add per vector, then {@link #nibbleSums} or
     * {@link #fifthBitSums} add each sub-block's scale times {@code sum(q * x)}. That takes one
     * multiply-add per vector of quants, where weighting each quant first, as ggml's dequantization
     * does, took two (one core, 256 x 2048 a product: Q4_K 59-61 -> 42-47 us, Q5_K 77-80 -> 66-72 us).
     *
     * <p>Each of these is a method of its own that keeps its sums in {@code lanes}: one body for a
     * loop over blocks, or for both layouts, exceeds what C2 inlines, and vector operations left as
     * calls box. The lanes are added up once per row, not per block (the lane sum, stores then scalar
     * loads that wait for them, was a sixth of the time).
     */
    private void blockDot(long base, float[] x, int xi, float[] sums, int s, float[] lanes) {
        factors(base, lanes);
        FloatVector sum = FloatVector.fromArray(Simd.F, lanes, 0);
        for (int part = 0; part < FACTOR_COUNT / Simd.LANES; part++) {
            int p = part * Simd.LANES;
            sum = FloatVector.fromArray(Simd.F, lanes, FACTORS + p).fma(FloatVector.fromArray(Simd.F, sums, s + p), sum);
        }
        sum.intoArray(lanes, 0);
        if (qhOffset == NO_FIFTH_BITS) {
            nibbleSums(base, x, xi, lanes);
        } else {
            fifthBitSums(base, x, xi, lanes);
        }
    }

    /**
     * Q4_K's part of {@link #blockDot}. The chunk loop steps a byte offset rather than counting from
     * zero: as a counted loop of four trips, C2 gave each trip a long prologue of range-check
     * arithmetic. Each sum starts with a multiply rather than a multiply-add to zero.
     */
    private void nibbleSums(long base, float[] x, int xi, float[] lanes) {
        FloatVector sum = FloatVector.fromArray(Simd.F, lanes, 0);
        int scale = FACTORS;
        int xc = xi;
        for (long chunk = base + qsOffset, end = chunk + QS_BYTES; chunk < end; chunk += SUB_BLOCK, scale += 2, xc += 2 * SUB_BLOCK) {
            IntVector first = bytes(chunk);
            FloatVector lowSum = toFloats(first.and(0xF)).mul(FloatVector.fromArray(Simd.F, x, xc));
            FloatVector highSum = toFloats(first.lanewise(VectorOperators.LSHR, 4)).mul(FloatVector.fromArray(Simd.F, x, xc + SUB_BLOCK));
            for (int l = Simd.LANES; l < SUB_BLOCK; l += Simd.LANES) {
                IntVector bits = bytes(chunk + l);
                lowSum = toFloats(bits.and(0xF)).fma(FloatVector.fromArray(Simd.F, x, xc + l), lowSum);
                highSum = toFloats(bits.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(Simd.F, x, xc + SUB_BLOCK + l), highSum);
            }
            sum = lowSum.fma(FloatVector.broadcast(Simd.F, lanes[scale]), sum);
            sum = highSum.fma(FloatVector.broadcast(Simd.F, lanes[scale + 1]), sum);
        }
        sum.intoArray(lanes, 0);
    }

    /** Q5_K's part of {@link #blockDot}: {@link #nibbleSums} with each quant's fifth bit from {@code qh}. */
    private void fifthBitSums(long base, float[] x, int xi, float[] lanes) {
        FloatVector sum = FloatVector.fromArray(Simd.F, lanes, 0);
        int scale = FACTORS;
        int xc = xi;
        int shift = 0;
        for (long chunk = base + qsOffset, end = chunk + QS_BYTES; chunk < end; chunk += SUB_BLOCK, scale += 2, xc += 2 * SUB_BLOCK, shift += 2) {
            IntVector first = bytes(chunk);
            IntVector firstFifth = bytes(base + qhOffset).lanewise(VectorOperators.LSHR, shift);
            FloatVector lowSum = lowQuants(first, firstFifth).mul(FloatVector.fromArray(Simd.F, x, xc));
            FloatVector highSum = highQuants(first, firstFifth).mul(FloatVector.fromArray(Simd.F, x, xc + SUB_BLOCK));
            for (int l = Simd.LANES; l < SUB_BLOCK; l += Simd.LANES) {
                IntVector bits = bytes(chunk + l);
                IntVector fifth = bytes(base + qhOffset + l).lanewise(VectorOperators.LSHR, shift);
                lowSum = lowQuants(bits, fifth).fma(FloatVector.fromArray(Simd.F, x, xc + l), lowSum);
                highSum = highQuants(bits, fifth).fma(FloatVector.fromArray(Simd.F, x, xc + SUB_BLOCK + l), highSum);
            }
            sum = lowSum.fma(FloatVector.broadcast(Simd.F, lanes[scale]), sum);
            sum = highSum.fma(FloatVector.broadcast(Simd.F, lanes[scale + 1]), sum);
        }
        sum.intoArray(lanes, 0);
    }

    /**
     * The block at {@code base}'s eight {@code d * sc} into {@code factors[FACTORS ..]} and its eight
     * {@code -dmin * m} after them. The 12 packed bytes are read in two loads and unpacked four
     * sub-blocks at a time in 32-bit words (see {@link #pack}); the 16 six-bit values are then
     * widened, converted and scaled in vector lanes, where unpacking and converting them one at a
     * time was most of a block's work. The products are the ones a scalar {@code d * sc} and
     * {@code -dmin * m} give, bit for bit.
     */
    private void factors(long base, float[] factors) {
        long low8 = data.get(LONG, base + SCALES_OFFSET);
        int high4 = data.get(INT, base + SCALES_OFFSET + 8);
        int scaleBytes = (int) low8;
        int minBytes = (int) (low8 >>> 32);
        int lowScales = scaleBytes & SIX_BITS;
        int lowMins = minBytes & SIX_BITS;
        int highScales = (high4 & LOW_NIBBLES) | ((scaleBytes >>> 6) & TWO_BITS) << 4;
        int highMins = ((high4 >>> 4) & LOW_NIBBLES) | ((minBytes >>> 6) & TWO_BITS) << 4;
        ByteVector values = LongVector.zero(PACKED)
                .withLane(0, Integer.toUnsignedLong(lowScales) | (long) highScales << 32)
                .withLane(1, Integer.toUnsignedLong(lowMins) | (long) highMins << 32)
                .reinterpretAsBytes();
        FloatVector d = FloatVector.broadcast(Simd.F, half(base));
        FloatVector minusDmin = FloatVector.broadcast(Simd.F, -half(base + 2));
        for (int part = 0; part < FACTOR_COUNT / Simd.LANES; part++) {
            ((FloatVector) values.convertShape(VectorOperators.ZERO_EXTEND_B2I, Simd.I, part)
                    .convert(VectorOperators.I2F, 0))
                    .mul(d.blend(minusDmin, MINS[part]))
                    .intoArray(factors, FACTORS + part * Simd.LANES);
        }
    }

    /**
     * {@link Simd#LANES} bytes from byte {@code at}, each in an int lane: nibbles and fifth bits are
     * unpacked with one 32-bit operation per step, where byte lanes take several (x86 has no byte
     * shift) and then still need widening to floats.
     */
    private IntVector bytes(long at) {
        return (IntVector) ByteVector.fromMemorySegment(Simd.B, data, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, Simd.I, 0);
    }

    /** {@link #fifthBits} of {@link Simd#LANES} bytes from {@code l} on, in int lanes. */
    private IntVector fifthBitLanes(long base, int c, int l) {
        return qhOffset == NO_FIFTH_BITS
                ? IntVector.zero(Simd.I)
                : bytes(base + qhOffset + l).lanewise(VectorOperators.LSHR, 2 * c);
    }

    /** Quants without fifth bits (Q4_K's), as floats. */
    private static FloatVector toFloats(IntVector quants) {
        return (FloatVector) quants.convert(VectorOperators.I2F, 0);
    }

    /** The low sub-block's quants: low nibbles, with bit 0 of {@code fifth} as their fifth bit. */
    private static FloatVector lowQuants(IntVector bits, IntVector fifth) {
        return (FloatVector) bits.and(0xF).or(fifth.and(1).lanewise(VectorOperators.LSHL, 4))
                .convert(VectorOperators.I2F, 0);
    }

    /** The high sub-block's quants: high nibbles, with bit 1 of {@code fifth} as their fifth bit. */
    private static FloatVector highQuants(IntVector bits, IntVector fifth) {
        return (FloatVector) bits.lanewise(VectorOperators.LSHR, 4).or(fifth.and(2).lanewise(VectorOperators.LSHL, 3))
                .convert(VectorOperators.I2F, 0);
    }

    /**
     * The scalar reference of {@link #dot}: per sub-block, {@code d * sc * sum(q * x) - dmin * m * sum(x)}.
     */
    float dotScalar(long from, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long base = (from / BLOCK + b) * blockBytes;
            float d = half(base);
            float dmin = half(base + 2);
            for (int c = 0; c < SUB_BLOCKS / 2; c++) {
                int xi = xOffset + b * BLOCK + 2 * SUB_BLOCK * c;
                float lowQuantSum = 0f;
                float lowInputSum = 0f;
                float highQuantSum = 0f;
                float highInputSum = 0f;
                for (int l = 0; l < SUB_BLOCK; l++) {
                    int bits = unsigned(base + qsOffset + SUB_BLOCK * c + l);
                    int fifth = fifthBits(base, c, l);
                    float low = x[xi + l];
                    float high = x[xi + SUB_BLOCK + l];
                    lowQuantSum += ((bits & 0xF) | (fifth & 1) << 4) * low;
                    lowInputSum += low;
                    highQuantSum += ((bits >>> 4) | (fifth & 2) << 3) * high;
                    highInputSum += high;
                }
                sum += d * scale(base, 2 * c) * lowQuantSum - dmin * min(base, 2 * c) * lowInputSum
                        + d * scale(base, 2 * c + 1) * highQuantSum - dmin * min(base, 2 * c + 1) * highInputSum;
            }
        }
        return sum;
    }
}
