package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.lang.foreign.MemorySegment;

/**
 * ggml's Q5_K: super-blocks of 256 elements in 176 bytes, eight sub-blocks of 32 with their own
 * 6-bit scale and minimum and 5-bit quants (a nibble plus a bit from a separate 32-byte field); the
 * layout is described in {@link ScaleMinBlocks}.
 */
public final class Q5_KTensor extends Tensor {

    private final ScaleMinBlocks blocks;

    Q5_KTensor(MemorySegment data, long size) {
        super(data, size);
        this.blocks = ScaleMinBlocks.q5K(data);
    }

    @Override
    public TensorType type() {
        return TensorType.Q5_K;
    }

    @Override
    public float get(long index) {
        return blocks.get(index);
    }

    @Override
    public void dequantize(long from, float[] out, int outOffset, int n) {
        blocks.dequantize(from, out, outOffset, n);
    }

    @Override
    public float dot(long from, float[] x, int xOffset, int n) {
        return blocks.dot(from, x, xOffset, n);
    }

    @Override
    public void matvec(float[] out, float[] x, int cols, int fromRow, int toRow) {
        blocks.matvec(out, x, cols, fromRow, toRow);
    }

    /** The scalar reference of {@link #dequantize}. */
    void dequantizeScalar(long from, float[] out, int outOffset, int n) {
        blocks.dequantizeScalar(from, out, outOffset, n);
    }

    /** The scalar reference of {@link #dot}. */
    float dotScalar(long from, float[] x, int xOffset, int n) {
        return blocks.dotScalar(from, x, xOffset, n);
    }
}
