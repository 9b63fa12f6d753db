package dev.sift.engine.tensor;

/** Per-thread float buffers that the kernels reuse from call to call instead of allocating. */
public final class Scratch {

    private Scratch() {
    }

    /** This thread's buffer from {@code buffer}, replaced by a larger one first if it holds fewer than {@code length} floats. */
    public static float[] atLeast(ThreadLocal<float[]> buffer, int length) {
        float[] floats = buffer.get();
        if (floats.length < length) {
            floats = new float[length];
            buffer.set(floats);
        }
        return floats;
    }
}
