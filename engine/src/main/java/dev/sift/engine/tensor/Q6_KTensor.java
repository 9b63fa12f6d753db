package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's Q6_K: super-blocks of 256 elements in 210 bytes: 128 bytes {@code ql} of low nibbles, 64
 * bytes {@code qh} of high bit pairs, 16 signed 8-bit sub-block scales {@code sc} (one per 16
 * elements) and an F16 scale {@code d} at the end. Each half of 128 elements uses 64 bytes of
 * {@code ql} and 32 of {@code qh}: for {@code l < 32}, its elements {@code l}, {@code l + 32},
 * {@code l + 64} and {@code l + 96} take their low 4 bits from the low nibble of {@code ql[l]}, of
 * {@code ql[l + 32]}, the high nibble of {@code ql[l]} and of {@code ql[l + 32]}, and their top 2
 * bits from bits 0-1, 2-3, 4-5 and 6-7 of {@code qh[l]}. Element {@code i} with 6-bit quant
 * {@code q} is {@code d * sc[i / 16] * (q - 32)}.
 */
public final class Q6_KTensor extends Tensor {

    private static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 210;
    private static final int QH_OFFSET = 128;
    private static final int SCALES_OFFSET = 192;
    private static final int D_OFFSET = 208;
    private static final int SUB_BLOCK = 16;
    private static final int SUB_BLOCKS = BLOCK / SUB_BLOCK;
    /** Whether the vector kernels apply: byte vectors of the float lanes, which divide a sub-block. */
    private static final boolean VECTOR_KERNEL = Simd.BYTE_KERNELS && Simd.LANES <= SUB_BLOCK;
    /** Where a block's sixteen {@code d * sc} go in the thread's {@link Simd#scratch}: after the row's lanes. */
    private static final int FACTORS = Simd.LANES;
    /** Each thread's {@link #inputSums}, grown to the widest row seen. */
    private static final ThreadLocal<float[]> INPUT_SUMS = ThreadLocal.withInitial(() -> new float[0]);
    /** Eight signed sub-block scales at a time. */
    private static final ValueLayout.OfLong SCALES = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    Q6_KTensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public TensorType type() {
        return TensorType.Q6_K;
    }

    private int unsigned(long offset) {
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, offset));
    }

    private int subScale(long base, int s) {
        return data.get(ValueLayout.JAVA_BYTE, base + SCALES_OFFSET + s);
    }

    private float scale(long base) {
        return Float.float16ToFloat(data.get(F16, base + D_OFFSET));
    }

    /**
     * The 6-bit quant minus 32 of the element in quarter {@code quarter} (0-3) of a half whose low
     * bits are in {@code qlByte} ({@code ql[l]} for quarters 0 and 2, {@code ql[l + 32]} for 1 and
     * 3) and whose high bits are in {@code qhByte} ({@code qh[l]}).
     */
    private static int quant(int qlByte, int qhByte, int quarter) {
        int low = (qlByte >>> (4 * (quarter / 2))) & 0xF;
        int high = (qhByte >>> (2 * quarter)) & 3;
        return (low | high << 4) - 32;
    }

    @Override
    public float get(long index) {
        long base = index / BLOCK * BLOCK_BYTES;
        int i = (int) (index % BLOCK);
        int half = i / 128;
        int quarter = i % 128 / 32;
        int l = i % 32;
        int qlByte = unsigned(base + 64 * half + 32 * (quarter % 2) + l);
        int q = quant(qlByte, unsigned(base + QH_OFFSET + 32 * half + l), quarter);
        // ggml's order: (d * sc) * q
        return scale(base) * subScale(base, i / 16) * q;
    }

    /**
     * {@link Simd#LANES} bytes of {@code ql} and {@code qh} at a time give as many 6-bit quants of
     * each quarter of a half, widened to float lanes and scaled per sub-block.
     */
    @Override
    public void dequantize(long from, float[] out, int outOffset, int n) {
        if (!VECTOR_KERNEL) {
            dequantizeScalar(from, out, outOffset, n);
            return;
        }
        for (int b = 0; b < n / BLOCK; b++) {
            long base = (from / BLOCK + b) * BLOCK_BYTES;
            float d = scale(base);
            int o = outOffset + b * BLOCK;
            dequantizeHalf(base, 0, d, data.get(SCALES, base + SCALES_OFFSET), out, o);
            dequantizeHalf(base, 1, d, data.get(SCALES, base + SCALES_OFFSET + 8), out, o + 128);
        }
    }

    /** One half of the block at {@code base} into {@code out[o .. o+128)}, in its own method as {@link #halfDot} is. */
    private void dequantizeHalf(long base, int half, float d, long scales, float[] out, int o) {
        long ql = base + 64 * half;
        long qhAt = base + QH_OFFSET + 32 * half;
        for (int l = 0; l < 32; l += Simd.LANES) {
            int s = l / 16;
            IntVector ql0 = (IntVector) ByteVector.fromMemorySegment(Simd.B, data, ql + l, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Simd.I, 0);
            IntVector ql1 = (IntVector) ByteVector.fromMemorySegment(Simd.B, data, ql + 32 + l, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Simd.I, 0);
            IntVector qh = (IntVector) ByteVector.fromMemorySegment(Simd.B, data, qhAt + l, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Simd.I, 0);
            IntVector q0 = ql0.and(0xF).or(qh.lanewise(VectorOperators.LSHL, 4).and(0x30));
            IntVector q1 = ql1.and(0xF).or(qh.lanewise(VectorOperators.LSHL, 2).and(0x30));
            IntVector q2 = ql0.lanewise(VectorOperators.LSHR, 4).or(qh.and(0x30));
            IntVector q3 = ql1.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 2).and(0x30));
            ((FloatVector) q0.sub(32).convert(VectorOperators.I2F, 0)).mul(d * (byte) (scales >>> (8 * s)))
                    .intoArray(out, o + l);
            ((FloatVector) q1.sub(32).convert(VectorOperators.I2F, 0)).mul(d * (byte) (scales >>> (8 * s + 16)))
                    .intoArray(out, o + 32 + l);
            ((FloatVector) q2.sub(32).convert(VectorOperators.I2F, 0)).mul(d * (byte) (scales >>> (8 * s + 32)))
                    .intoArray(out, o + 64 + l);
            ((FloatVector) q3.sub(32).convert(VectorOperators.I2F, 0)).mul(d * (byte) (scales >>> (8 * s + 48)))
                    .intoArray(out, o + 96 + l);
        }
    }

    /** The scalar reference of {@link #dequantize}. */
    void dequantizeScalar(long from, float[] out, int outOffset, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long base = (from / BLOCK + b) * BLOCK_BYTES;
            float d = scale(base);
            for (int half = 0; half < 2; half++) {
                int o = outOffset + b * BLOCK + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int ql0 = unsigned(base + 64 * half + l);
                    int ql1 = unsigned(base + 64 * half + 32 + l);
                    int qh = unsigned(base + QH_OFFSET + 32 * half + l);
                    int s = 8 * half + l / 16;
                    out[o + l] = d * subScale(base, s) * quant(ql0, qh, 0);
                    out[o + 32 + l] = d * subScale(base, s + 2) * quant(ql1, qh, 1);
                    out[o + 64 + l] = d * subScale(base, s + 4) * quant(ql0, qh, 2);
                    out[o + 96 + l] = d * subScale(base, s + 6) * quant(ql1, qh, 3);
                }
            }
        }
    }

    /**
     * {@code sum(d * sc * (q - 32) * x)}, as {@code d * sc * (sum(q * x) - 32 * sum(x))} per
     * sub-block (see {@link #rowDot}), with the sums of {@code x} worked out for this row alone;
     * {@link #matvec} works them out once for many rows.
     */
    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        if (!VECTOR_KERNEL) {
            return dotScalar(from, x, xOffset, n);
        }
        return rowDot(from, x, xOffset, n, inputSums(x, xOffset, n));
    }

    @Override
    public void matvec(float[] out, float[] x, int cols, int fromRow, int toRow) {
        if (!VECTOR_KERNEL) {
            super.matvec(out, x, cols, fromRow, toRow);
            return;
        }
        float[] sums = inputSums(x, 0, cols);
        for (int r = fromRow; r < toRow; r++) {
            out[r] = rowDot((long) r * cols, x, 0, cols, sums);
        }
    }

    /**
     * {@code -32} times the sum of {@code x} over each sub-block of {@code x[xOffset .. xOffset+n)},
     * 16 a block, in this thread's {@link #INPUT_SUMS}: a block's sub-block scales times these, lane
     * by lane, are its {@code -32 * d * sc * sum(x)} terms. Summed in the same order for every row
     * and every split of the rows, so a row's dot product does not depend on either.
     */
    private static float[] inputSums(float[] x, int xOffset, int n) {
        int subBlocks = n / SUB_BLOCK;
        float[] sums = Scratch.atLeast(INPUT_SUMS, subBlocks);
        for (int s = 0; s < subBlocks; s++) {
            sums[s] = -32f * Simd.sum(x, xOffset + s * SUB_BLOCK, SUB_BLOCK);
        }
        return sums;
    }

    /**
     * One row's dot product given {@link #inputSums} of {@code x}: per block, its sixteen
     * {@code d * sc} ({@link #factors}) times the sums in one multiply-add per vector, then
     * {@link #halfDot} for each half. The lanes are added up once per row, not per block or half:
     * the lane sum, stores then scalar loads that wait for them, is slow.
     */
    private float rowDot(long from, float[] x, int xOffset, int n, float[] sums) {
        float[] lanes = Simd.scratch();
        FloatVector.zero(Simd.F).intoArray(lanes, 0);
        for (int b = 0; b < n / BLOCK; b++) {
            long base = (from / BLOCK + b) * BLOCK_BYTES;
            factors(base, lanes);
            FloatVector sum = FloatVector.fromArray(Simd.F, lanes, 0);
            for (int p = 0; p < SUB_BLOCKS; p += Simd.LANES) {
                sum = FloatVector.fromArray(Simd.F, lanes, FACTORS + p)
                        .fma(FloatVector.fromArray(Simd.F, sums, b * SUB_BLOCKS + p), sum);
            }
            sum.intoArray(lanes, 0);
            int xi = xOffset + b * BLOCK;
            halfDot(base, 0, x, xi, lanes);
            halfDot(base, 1, x, xi + 128, lanes);
        }
        return VectorMath.fold(lanes, 0);
    }

    /**
     * The block at {@code base}'s sixteen {@code d * sc} into {@code lanes[FACTORS ..]}: the signed
     * scale bytes widened and converted in vector lanes, each product the one a scalar
     * {@code d * sc} gives.
     */
    private void factors(long base, float[] lanes) {
        float d = scale(base);
        for (int p = 0; p < SUB_BLOCKS; p += Simd.LANES) {
            ((FloatVector) ByteVector.fromMemorySegment(Simd.B, data, base + SCALES_OFFSET + p, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2I, Simd.I, 0)
                    .convert(VectorOperators.I2F, 0))
                    .mul(d)
                    .intoArray(lanes, FACTORS + p);
        }
    }

    /**
     * Adds one half (128 elements) of the block at {@code base} times {@code x[xi ..]} to the
     * vector lanes at {@code lanes[0 ..]}: per vector of quants, {@code q * x} times its sub-block's
     * {@code d * sc} from {@code lanes[FACTORS ..]} ({@link #rowDot} has added the {@code -32}
     * terms). In its own method: the whole block in one method exceeds what C2 inlines, and the
     * vector operations left as calls then box. For the same reason the quants are put together
     * here rather than in a helper: once compiled on its own, a helper of a few vector operations
     * is too large to inline, and every call boxes its vectors (dot ran at a tenth of its speed).
     * The bytes are widened to int lanes, where each step is one instruction (x86 has no byte
     * shift); each quarter adds into its own sum.
     */
    private void halfDot(long base, int half, float[] x, int xi, float[] lanes) {
        FloatVector sum0 = FloatVector.fromArray(Simd.F, lanes, 0);
        FloatVector sum1 = FloatVector.zero(Simd.F);
        FloatVector sum2 = FloatVector.zero(Simd.F);
        FloatVector sum3 = FloatVector.zero(Simd.F);
        long ql = base + 64 * half;
        long qhAt = base + QH_OFFSET + 32 * half;
        for (int l = 0; l < 32; l += Simd.LANES) {
            int s = FACTORS + 8 * half + l / 16;
            IntVector ql0 = (IntVector) ByteVector.fromMemorySegment(Simd.B, data, ql + l, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Simd.I, 0);
            IntVector ql1 = (IntVector) ByteVector.fromMemorySegment(Simd.B, data, ql + 32 + l, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Simd.I, 0);
            IntVector qh = (IntVector) ByteVector.fromMemorySegment(Simd.B, data, qhAt + l, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Simd.I, 0);
            IntVector q0 = ql0.and(0xF).or(qh.lanewise(VectorOperators.LSHL, 4).and(0x30));
            IntVector q1 = ql1.and(0xF).or(qh.lanewise(VectorOperators.LSHL, 2).and(0x30));
            IntVector q2 = ql0.lanewise(VectorOperators.LSHR, 4).or(qh.and(0x30));
            IntVector q3 = ql1.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 2).and(0x30));
            sum0 = ((FloatVector) q0.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(Simd.F, x, xi + l))
                    .fma(FloatVector.broadcast(Simd.F, lanes[s]), sum0);
            sum1 = ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(Simd.F, x, xi + 32 + l))
                    .fma(FloatVector.broadcast(Simd.F, lanes[s + 2]), sum1);
            sum2 = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(Simd.F, x, xi + 64 + l))
                    .fma(FloatVector.broadcast(Simd.F, lanes[s + 4]), sum2);
            sum3 = ((FloatVector) q3.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(Simd.F, x, xi + 96 + l))
                    .fma(FloatVector.broadcast(Simd.F, lanes[s + 6]), sum3);
        }
        sum0.add(sum1).add(sum2.add(sum3)).intoArray(lanes, 0);
    }

    /** The scalar reference of {@link #dot}: per sub-block of 16, {@code d * sc * sum((q - 32) * x)}. */
    float dotScalar(long from, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long base = (from / BLOCK + b) * BLOCK_BYTES;
            float d = scale(base);
            for (int half = 0; half < 2; half++) {
                int xi = xOffset + b * BLOCK + 128 * half;
                // the 16 elements l = 16g .. 16g + 15 of each quarter are sub-blocks s, s + 2, s + 4, s + 6
                for (int g = 0; g < 2; g++) {
                    float sum0 = 0f;
                    float sum1 = 0f;
                    float sum2 = 0f;
                    float sum3 = 0f;
                    for (int l = 16 * g; l < 16 * g + 16; l++) {
                        int ql0 = unsigned(base + 64 * half + l);
                        int ql1 = unsigned(base + 64 * half + 32 + l);
                        int qh = unsigned(base + QH_OFFSET + 32 * half + l);
                        sum0 += quant(ql0, qh, 0) * x[xi + l];
                        sum1 += quant(ql1, qh, 1) * x[xi + 32 + l];
                        sum2 += quant(ql0, qh, 2) * x[xi + 64 + l];
                        sum3 += quant(ql1, qh, 3) * x[xi + 96 + l];
                    }
                    int s = 8 * half + g;
                    sum += d * subScale(base, s) * sum0 + d * subScale(base, s + 2) * sum1
                            + d * subScale(base, s + 4) * sum2 + d * subScale(base, s + 6) * sum3;
                }
            }
        }
        return sum;
    }
}
