/**
 * The CUDA backend: {@link dev.sift.engine.backend.cuda.CudaDecoder} runs the Llama-family forward
 * pass on an NVIDIA GPU through JCuda's driver API ({@code org.jcuda:jcuda}, an optional
 * dependency), and {@link dev.sift.engine.backend.cuda.CudaAvailability} says whether it can.
 *
 * <h2>Kernels</h2>
 * The kernels are plain CUDA C in {@code engine/src/main/cuda}, shipped as PTX resources that
 * {@code scripts/build-ptx.sh} generates (and a unit test keeps in step with the sources); the
 * driver JIT-compiles them for the GPU at hand. They mirror the CPU backend operation for
 * operation, in float32:
 * <ul>
 *   <li>{@code matvec_{f32,f16,bf16,q8_0,q4_0,q4_1,q5_0,q5_1,q4_k,q5_k,q6_k}}: weights in their GGUF block layout, one warp per
 *       row, an optional vector added to the result (Qwen2's biases, the residual connections);</li>
 *   <li>{@code embedding_*}: one dequantized row of the token embedding;</li>
 *   <li>{@code rms_norm} (also per head, for Qwen3's query/key norm) and {@code swiglu};</li>
 *   <li>{@code rope} (interleaved and NeoX layouts, angles in double precision),
 *       {@code kv_append} and {@code attention} (one block per query head, over any number of
 *       cache entries).</li>
 * </ul>
 *
 * <h2>JCuda is optional</h2>
 * Only the package-private classes touch JCuda, and they are loaded only after
 * {@code CudaAvailability} found both JCuda and the NVIDIA driver library, so the public classes
 * can be referenced (and fail cleanly) on machines without either.
 *
 * <h2>Checks on a GPU</h2>
 * The device tests skip without CUDA. {@code scripts/prepare-gpu-check.sh} (on a build machine)
 * and {@code scripts/gpu-check.sh} (on the GPU machine) run them, and a CPU/GPU speed comparison,
 * on a machine that has no JDK.
 */
package dev.sift.engine.backend.cuda;
