package dev.sift.engine.backend.cuda;

import dev.sift.engine.model.Decoder;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;

/**
 * A Llama-family decoder on an NVIDIA GPU: the same forward pass as the CPU's
 * {@link dev.sift.engine.model.LlamaModel}, in float32, with the weights in device memory in their
 * file formats (F32, F16, BF16, Q8_0, Q4_0) and each sequence's KV cache on the device.
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

    /** A decoder on device 0; see {@link #CudaDecoder(LlamaWeights, ModelConfig, int)}. */
    public CudaDecoder(LlamaWeights weights, ModelConfig config) {
        this(weights, config, 0);
    }

    /**
     * Loads the kernels and uploads every weight to device {@code device}.
     *
     * @throws CudaBackendException if CUDA is unavailable (see {@link CudaAvailability}), the device does
     *                              not exist, or the driver fails (e.g. out of device memory)
     * @throws dev.sift.engine.tensor.UnsupportedTensorTypeException naming a tensor whose type the CUDA
     *                              backend cannot compute with
     */
    public CudaDecoder(LlamaWeights weights, ModelConfig config, int device) {
        CudaAvailability availability = CudaAvailability.probe();
        if (!availability.available()) {
            throw new CudaBackendException("CUDA is not available: " + availability.detail());
        }
        this.config = config;
        this.context = new CudaContext(device);
        try {
            this.kernels = new CudaKernels(context);
            this.weights = new CudaWeights(context, weights, config);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
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
