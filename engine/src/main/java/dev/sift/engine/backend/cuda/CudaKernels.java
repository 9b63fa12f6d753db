package dev.sift.engine.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

import java.util.EnumMap;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;

/**
 * Launches the backend's {@link Kernel}s with their grid shapes, one typed method per kernel.
 * Launches are asynchronous: a kernel's own failure shows up at the next synchronising call unless
 * the system property {@value #SYNCHRONOUS_PROPERTY} is {@code true}, which waits after every
 * launch so that the error names the kernel (slow; for debugging).
 */
final class CudaKernels {

    /** System property: synchronise after every launch. */
    static final String SYNCHRONOUS_PROPERTY = "sift.cuda.sync";

    /** Matrix-vector products: one warp per row, so 4 rows per block. */
    private static final int MATVEC_THREADS = 128;
    /** Attention: one block per query head; more warps score more entries at once. */
    private static final int ATTENTION_THREADS = 256;
    private static final int MAX_NORM_THREADS = 256;
    private static final int KV_APPEND_THREADS = 128;
    /** Element-wise kernels (embedding, RoPE, SwiGLU): one thread per element. */
    private static final int ELEMENT_THREADS = 256;
    private static final int WARP = 32;

    private static final CUdeviceptr NULL = new CUdeviceptr();

    private final Map<Kernel, CUfunction> functions = new EnumMap<>(Kernel.class);
    private final boolean synchronous = Boolean.getBoolean(SYNCHRONOUS_PROPERTY);

    /** Loads every module into {@code context}, which must be current. */
    CudaKernels(CudaContext context) {
        for (String name : Kernel.modules()) {
            CUmodule module = context.loadModule(name);
            for (Kernel kernel : Kernel.values()) {
                if (kernel.module().equals(name)) {
                    CUfunction function = new CUfunction();
                    CudaContext.check(cuModuleGetFunction(function, module, kernel.entry()),
                            "cuModuleGetFunction(" + kernel.entry() + ")");
                    functions.put(kernel, function);
                }
            }
        }
    }

    /** {@code out = W·x (+ addend)} for {@code rows × cols} weights; {@code addend} may be null or {@code out}. */
    void matvec(DeviceTensor weights, DeviceBuffer out, DeviceBuffer x, DeviceBuffer addend, int rows, int cols) {
        launch(Kernel.matvec(weights.type(), weights.name()), Math.ceilDiv(rows, MATVEC_THREADS / WARP), MATVEC_THREADS, 0,
                out, weights.data(), x, addend, rows, cols);
    }

    /** {@code out = table[token]}, a row of {@code cols} elements, dequantized. */
    void embedding(DeviceTensor table, DeviceBuffer out, int token, int cols) {
        launch(Kernel.embedding(table.type(), table.name()), Math.ceilDiv(cols, ELEMENT_THREADS), ELEMENT_THREADS, 0,
                out, table.data(), token, cols);
    }

    /** RMSNorm of {@code count} consecutive vectors of {@code n} floats with one weight vector; {@code out} may be {@code x}. */
    void rmsNorm(DeviceBuffer out, DeviceBuffer x, DeviceBuffer weight, int n, int count, float epsilon) {
        int threads = Math.min(MAX_NORM_THREADS, Math.ceilDiv(n, WARP) * WARP);
        launch(Kernel.RMS_NORM, count, threads, 0, out, x, weight, n, epsilon);
    }

    /** {@code gate = silu(gate) * up} over {@code n} floats. */
    void swiglu(DeviceBuffer gate, DeviceBuffer up, int n) {
        launch(Kernel.SWIGLU, Math.ceilDiv(n, ELEMENT_THREADS), ELEMENT_THREADS, 0, gate, up, n);
    }

    /**
     * Rotates the query and key heads in place.
     *
     * @param frequencies {@code pairs} doubles on the device
     * @param position    the token position times the RoPE scale
     */
    void rope(DeviceBuffer q, DeviceBuffer k, int heads, int kvHeads, int headDim, int pairs,
              DeviceBuffer frequencies, double position, boolean neox) {
        launch(Kernel.ROPE, Math.ceilDiv((heads + kvHeads) * pairs, ELEMENT_THREADS), ELEMENT_THREADS, 0,
                q, k, heads, kvHeads, headDim, pairs, frequencies, position, neox ? 1 : 0);
    }

    /** Appends a token's keys and values ({@code kvHeads × headDim} floats each) to every KV head of a layer. */
    void kvAppend(CudaKvCache cache, int layer, DeviceBuffer k, DeviceBuffer v) {
        launch(Kernel.KV_APPEND, cache.kvHeads(), KV_APPEND_THREADS, 0, cache.keys(), cache.values(),
                cache.deviceLengths(), k, v, layer, cache.kvHeads(), cache.headDim(), cache.capacity());
    }

    /**
     * Attention of {@code heads} query heads over their KV heads' entries in one layer.
     *
     * @param scores scratch of {@code heads × cache.capacity()} floats
     */
    void attention(DeviceBuffer out, DeviceBuffer q, CudaKvCache cache, DeviceBuffer scores, int layer, int heads,
                   float scale) {
        int headDim = cache.headDim();
        launch(Kernel.ATTENTION, heads, ATTENTION_THREADS, (headDim + ATTENTION_THREADS) * Float.BYTES,
                out, q, cache.keys(), cache.values(), cache.deviceLengths(), scores, layer, cache.kvHeads(),
                heads / cache.kvHeads(), headDim, cache.capacity(), scale);
    }

    /**
     * Launches a kernel on the default stream. Arguments map to the kernel's parameters in order:
     * a buffer (or {@code null}) to a device pointer, Integer to {@code int}, Float to {@code float},
     * Double to {@code double}.
     */
    private void launch(Kernel kernel, int blocks, int threads, int sharedBytes, Object... arguments) {
        Pointer[] parameters = new Pointer[arguments.length];
        for (int i = 0; i < arguments.length; i++) {
            parameters[i] = switch (arguments[i]) {
                case null -> Pointer.to(NULL);
                case DeviceBuffer buffer -> Pointer.to(buffer.pointer());
                case Integer value -> Pointer.to(new int[] {value});
                case Float value -> Pointer.to(new float[] {value});
                case Double value -> Pointer.to(new double[] {value});
                default -> throw new IllegalArgumentException("no kernel parameter type for " + arguments[i].getClass());
            };
        }
        CudaContext.check(cuLaunchKernel(functions.get(kernel), blocks, 1, 1, threads, 1, 1, sharedBytes, null,
                Pointer.to(parameters), null), "cuLaunchKernel(" + kernel.entry() + ")");
        if (synchronous) {
            CudaContext.check(cuCtxSynchronize(), kernel.entry() + " (synchronised after its launch)");
        }
    }
}
