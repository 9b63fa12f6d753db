package dev.sift.engine.backend.cuda;

import dev.sift.engine.model.Decoder;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.tensor.Tensor;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A Llama-family decoder on an NVIDIA GPU: the same forward pass as the CPU's
 * {@link dev.sift.engine.model.LlamaModel}, in float32, with the weights in device memory in their
 * file formats (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
 * Q4_K, Q5_K, Q6_K) and each sequence's KV cache on the device.
 *
 * <p>The decoder owns a CUDA context of its own. Sequences may be used from any thread (one thread
 * per sequence at a time); their kernels run one after another on the device. This class itself
 * holds no JCuda types, so it can be referenced without JCuda on the class path: construction
 * fails with a {@link CudaBackendException} then.
 */
public final class CudaDecoder implements Decoder {

    private final ModelConfig config;
    private final CudaContext context;
    private final CudaKernels kernels;
    private final CudaWeights weights;

    /**
     * Device memory kept free beyond the estimate: the driver's own allocations for the modules and
     * the allocator's rounding.
     */
    static final long HEADROOM_BYTES = 64L << 20;

    /** A decoder on device 0 with room for one token's sequence; see {@link #CudaDecoder(LlamaWeights, ModelConfig, int, int)}. */
    public CudaDecoder(LlamaWeights weights, ModelConfig config) {
        this(weights, config, 0);
    }

    /** A decoder with room for one token's sequence; see {@link #CudaDecoder(LlamaWeights, ModelConfig, int, int)}. */
    public CudaDecoder(LlamaWeights weights, ModelConfig config, int device) {
        this(weights, config, device, 1);
    }

    /**
     * Loads the kernels and uploads every weight to device {@code device}, once the device's free
     * memory was found to hold the weights and one sequence of {@code contextLength} tokens (its
     * KV cache and activations, see {@link #requiredBytes}).
     *
     * @throws CudaBackendException if CUDA is unavailable (see {@link CudaAvailability}), the device does
     *                              not exist, has not enough free memory (the message names the bytes
     *                              needed and free), or the driver fails
     * @throws dev.sift.engine.tensor.UnsupportedTensorTypeException naming a tensor whose type the CUDA
     *                              backend cannot compute with
     */
    public CudaDecoder(LlamaWeights weights, ModelConfig config, int device, int contextLength) {
        CudaAvailability availability = CudaAvailability.probe();
        if (!availability.available()) {
            throw new CudaBackendException("CUDA is not available: " + availability.detail());
        }
        this.config = config;
        this.context = new CudaContext(device);
        try {
            long needed = requiredBytes(weights, config, contextLength);
            long free = context.freeBytes();
            if (needed + HEADROOM_BYTES > free) {
                throw new CudaBackendException("the model does not fit on " + context.device().describe() + ": its"
                        + " weights and a " + contextLength + "-token KV cache need " + needed + " bytes ("
                        + mebibytes(needed) + " MiB) plus " + mebibytes(HEADROOM_BYTES) + " MiB headroom, but only "
                        + free + " bytes (" + mebibytes(free) + " MiB) are free");
            }
            this.kernels = new CudaKernels(context);
            this.weights = new CudaWeights(context, weights, config);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    /**
     * Device bytes that the weights and one sequence of {@code contextLength} tokens take: every
     * matrix in its file format (a tied output counted once), norm weights and biases as F32, the
     * RoPE frequencies, and the sequence's KV cache (float32 keys and values), attention scores and
     * activations.
     */
    static long requiredBytes(LlamaWeights weights, ModelConfig config, int contextLength) {
        Map<Tensor, Boolean> matrices = new IdentityHashMap<>();
        matrices.put(weights.tokenEmbedding(), true);
        matrices.put(weights.output(), true);
        long vectors = weights.outputNorm().size() + weights.ropeFrequencies().length * 2L;
        for (LlamaWeights.Layer layer : weights.layers()) {
            for (Tensor matrix : new Tensor[] {layer.wq(), layer.wk(), layer.wv(), layer.wo(), layer.gate(), layer.up(),
                    layer.down()}) {
                matrices.put(matrix, true);
            }
            for (Tensor vector : new Tensor[] {layer.attentionNorm(), layer.ffnNorm(), layer.qBias(), layer.kBias(),
                    layer.vBias(), layer.qNorm(), layer.kNorm()}) {
                vectors += vector == null ? 0 : vector.size();
            }
        }
        long bytes = vectors * Float.BYTES;
        for (Tensor matrix : matrices.keySet()) {
            bytes += matrix.segment().byteSize();
        }
        return bytes + sequenceBytes(config, contextLength);
    }

    /** Device bytes of one sequence of {@code capacity} tokens: KV cache, attention scores, activations. */
    static long sequenceBytes(ModelConfig config, long capacity) {
        long kvDim = (long) config.kvHeads() * config.headDim();
        long qDim = (long) config.heads() * config.headDim();
        long cache = 2 * config.layers() * kvDim * capacity * Float.BYTES + (long) config.layers() * config.kvHeads()
                * Integer.BYTES;
        long activations = 2L * config.dim() + 2 * qDim + 2 * kvDim + 2L * config.ffnDim()
                + config.heads() * capacity + config.vocabularySize();
        return cache + activations * Float.BYTES;
    }

    private static long mebibytes(long bytes) {
        return Math.ceilDiv(bytes, 1L << 20);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    /**
     * A new sequence; its KV cache for {@code capacity} tokens and its activations are allocated on
     * the device now.
     *
     * @throws CudaBackendException if the device has not enough free memory
     */
    @Override
    public DecoderSequence newSequence(int capacity) {
        return new CudaSequence(config, context, kernels, weights, capacity);
    }

    /** E.g. {@code cuda (NVIDIA H100 80GB HBM3, 79 GiB)}. */
    @Override
    public String backendName() {
        CudaContext.Device device = context.device();
        return "cuda (" + device.name() + ", " + device.gibibytes() + " GiB)";
    }

    /** Destroys the CUDA context, freeing the weights and every sequence's device memory. */
    @Override
    public void close() {
        context.close();
    }
}
