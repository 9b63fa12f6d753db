package dev.sift.engine.backend;

/** Per-thread float buffers that the kernels reuse from call to call instead of allocating. */
final class Scratch {

    private Scratch() {
    }

    /** This thread's buffer from {@code buffer}, replaced by a larger one first if it holds fewer than {@code length} floats. */
    static float[] atLeast(ThreadLocal<float[]> buffer, int length) {
        float[] floats = buffer.get();
        if (floats.length < length) {
            floats = new float[length];
            buffer.set(floats);
        }
        return floats;
    }
}
