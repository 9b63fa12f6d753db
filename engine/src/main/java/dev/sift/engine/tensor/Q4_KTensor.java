package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.lang.foreign.MemorySegment;

/**
 * ggml's Q4_K: super-blocks of 256 elements in 144 bytes, eight sub-blocks of 32 with their own
 * 6-bit scale and minimum and 4-bit quants; the layout is described in {@link ScaleMinBlocks}.
 */
public final class Q4_KTensor extends Tensor {

    private final ScaleMinBlocks blocks;

    Q4_KTensor(MemorySegment data, long size) {
        super(data, size);
        this.blocks = ScaleMinBlocks.q4K(data);
    }

    @Override
    public TensorType type() {
        return TensorType.Q4_K;
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
