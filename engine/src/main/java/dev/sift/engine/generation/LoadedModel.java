package dev.sift.engine.generation;

import dev.sift.engine.backend.Backend;
import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.backend.cuda.CudaAvailability;
import dev.sift.engine.backend.cuda.CudaBackendException;
import dev.sift.engine.backend.cuda.CudaDecoder;
import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufFormatException;
import dev.sift.engine.kv.CompressionOptions;
import dev.sift.engine.model.Decoder;
import dev.sift.engine.model.DecoderSequence;
import dev.sift.engine.model.LlamaModel;
import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.model.ModelIdentity;
import dev.sift.engine.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * A model loaded once and shared: thread-safe, any number of {@link Session}s may generate with it
 * at the same time, each with its own KV cache.
 *
 * <pre>{@code
 * try (LoadedModel model = LoadedModel.load(Path.of("model.gguf"));
 *      Session session = model.newSession()) {
 *     GenerationResult result = session.generate(
 *             GenerationRequest.text("Once upon a time").withMaxTokens(64), System.out::print);
 * }
 * }</pre>
 */
public final class LoadedModel implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LoadedModel.class.getName());

    private final GgufFile file;
    private final Tokenizer tokenizer;
    private final ModelConfig config;
    private final ModelIdentity identity;
    private final Decoder decoder;
    private final int defaultContextLength;
    private final CompressionOptions defaultCompression;

    private LoadedModel(GgufFile file, ModelOptions options, long memoryForWeights) {
        this.file = file;
        this.tokenizer = Tokenizer.fromGguf(file);
        this.config = ModelConfig.fromGguf(file);
        this.identity = ModelIdentity.of(file, config);
        this.defaultCompression = checkProfile(options.compression());
        this.decoder = decoder(file, LlamaWeights.bind(file, config), config, options, memoryForWeights);
        this.defaultContextLength = options.contextLength() == 0 ? config.contextLength() : options.contextLength();
    }

    /**
     * The decoder for the chosen backend. {@code AUTO} takes CUDA when the probe finds a usable GPU
     * whose free memory holds the weights and a default-length KV cache, else the CPU, if the weights
     * fit in {@code memoryForWeights}.
     */
    private static Decoder decoder(GgufFile file, LlamaWeights weights, ModelConfig config, ModelOptions options,
                                   long memoryForWeights) {
        Backend backend = options.backend();
        boolean auto = backend == Backend.AUTO;
        if (auto) {
            CudaAvailability cuda = CudaAvailability.probe();
            backend = cuda.available() ? Backend.CUDA : Backend.CPU;
            if (!cuda.available()) {
                LOG.log(System.Logger.Level.INFO, "backend auto: using the CPU, CUDA is not usable: {0}", cuda.detail());
            }
        }
        if (backend == Backend.CUDA) {
            CudaAvailability cuda = CudaAvailability.probe();
            if (!cuda.available()) {
                throw new IllegalStateException("backend cuda was requested but CUDA is not usable: " + cuda.detail());
            }
            int contextLength = options.contextLength() == 0 ? config.contextLength() : options.contextLength();
            try {
                return new CudaDecoder(weights, config, 0, contextLength);
            } catch (CudaBackendException e) {
                if (!auto) {
                    throw e;
                }
                LOG.log(System.Logger.Level.INFO, "backend auto: using the CPU, CUDA cannot take this model: {0}",
                        e.getMessage());
                requireMemory(file.path(), file.size(), memoryForWeights);
            }
        }
        return new LlamaModel(weights, config, new CpuKernels(options.threads()), options.kvPrecision());
    }

    /** Loads a GGUF model with default options. */
    public static LoadedModel load(Path path) throws IOException {
        return load(path, ModelOptions.DEFAULTS);
    }

    /**
     * Loads a GGUF model: maps the file, reads its tokenizer and hyperparameters, and binds every
     * weight, checking names and shapes.
     *
     * <p>For the CPU, the file must fit in the machine's memory beside the Java heap's maximum; this
     * is checked before the file is mapped (on a GPU the device's free memory is checked instead).
     *
     * @throws GgufFormatException          if the file is malformed or describes something unsupported
     * @throws InsufficientMemoryException  if the weights are to run on the CPU and do not fit in memory
     * @throws IOException                  if the file cannot be read
     */
    public static LoadedModel load(Path path, ModelOptions options) throws IOException {
        return load(path, options, HostMemory.availableForWeights());
    }

    /** {@link #load(Path, ModelOptions)} with the memory the weights may take on the CPU given. */
    static LoadedModel load(Path path, ModelOptions options, long memoryForWeights) throws IOException {
        Backend backend = options.backend();
        if (backend == Backend.CPU || backend == Backend.AUTO && !CudaAvailability.probe().available()) {
            requireMemory(path, Files.size(path), memoryForWeights);
        }
        GgufFile file = GgufFile.open(path);
        try {
            return new LoadedModel(file, options, memoryForWeights);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static void requireMemory(Path path, long fileBytes, long memoryForWeights) {
        if (fileBytes > memoryForWeights) {
            throw new InsufficientMemoryException(path, fileBytes, memoryForWeights);
        }
    }

    public ModelConfig config() {
        return config;
    }

    /** Which model this is, as calibrated profiles record it. */
    public ModelIdentity identity() {
        return identity;
    }

    /**
     * Returns {@code compression} after checking that its SRH profile, if any, was calibrated on this
     * model.
     *
     * @throws IllegalArgumentException naming both models if the profile belongs to another
     */
    CompressionOptions checkProfile(CompressionOptions compression) {
        if (compression.profile() != null) {
            compression.profile().requireModel(identity);
        }
        return compression;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The underlying file, for metadata. */
    public GgufFile file() {
        return file;
    }

    /** KV-cache compression of requests that do not choose their own. */
    public CompressionOptions defaultCompression() {
        return defaultCompression;
    }

    /** Where the math runs, e.g. {@code cpu (16 threads)}. */
    public String backendName() {
        return decoder.backendName();
    }

    /** The context length of {@link #newSession()}: the one asked for when loading, else the model's. */
    public int contextLength() {
        return defaultContextLength;
    }

    /** Opens a session with the default context length. */
    public Session newSession() {
        return newSession(defaultContextLength);
    }

    /** Opens a session holding at most {@code contextLength} tokens. */
    public Session newSession(int contextLength) {
        return newSession(contextLength, UnaryOperator.identity());
    }

    /**
     * Opens a session whose sequence is wrapped by {@code instrument} before the session uses it: how
     * benchmarks and tests observe the forward passes (timing them, counting them) or stand in for
     * some of them.
     */
    public Session newSession(int contextLength, UnaryOperator<DecoderSequence> instrument) {
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be positive, got " + contextLength);
        }
        return new Session(this, instrument.apply(decoder.newSequence(contextLength)), contextLength);
    }

    /**
     * A bare sequence of the decoder, for tools that drive the forward pass token by token and read
     * the cache themselves (calibration); applications use {@link #newSession}.
     */
    public DecoderSequence newSequence(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        return decoder.newSequence(capacity);
    }

    /** Releases the backend and unmaps the file. Sessions must not be used afterwards. */
    @Override
    public void close() {
        decoder.close();
        file.close();
    }
}
