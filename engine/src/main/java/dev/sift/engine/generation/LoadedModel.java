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
import dev.sift.engine.model.LlamaModel;
import dev.sift.engine.model.LlamaWeights;
import dev.sift.engine.model.ModelConfig;
import dev.sift.engine.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;

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
    private final Decoder decoder;
    private final int defaultContextLength;
    private final CompressionOptions defaultCompression;

    private LoadedModel(GgufFile file, ModelOptions options) {
        this.file = file;
        this.tokenizer = Tokenizer.fromGguf(file);
        this.config = ModelConfig.fromGguf(file);
        this.decoder = decoder(LlamaWeights.bind(file, config), config, options);
        this.defaultContextLength = options.contextLength() == 0 ? config.contextLength() : options.contextLength();
        this.defaultCompression = options.compression();
    }

    /**
     * The decoder for the chosen backend. {@code AUTO} takes CUDA when the probe finds a usable GPU
     * whose free memory holds the weights and a default-length KV cache, else the CPU.
     */
    private static Decoder decoder(LlamaWeights weights, ModelConfig config, ModelOptions options) {
        Backend backend = options.backend();
        boolean auto = backend == Backend.AUTO;
        if (auto) {
            backend = CudaAvailability.probe().available() ? Backend.CUDA : Backend.CPU;
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
     * @throws GgufFormatException if the file is malformed or describes something unsupported
     * @throws IOException         if the file cannot be read
     */
    public static LoadedModel load(Path path, ModelOptions options) throws IOException {
        GgufFile file = GgufFile.open(path);
        try {
            return new LoadedModel(file, options);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
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

    /** Opens a session with the default context length. */
    public Session newSession() {
        return newSession(defaultContextLength);
    }

    /** Opens a session holding at most {@code contextLength} tokens. */
    public Session newSession(int contextLength) {
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be positive, got " + contextLength);
        }
        return new Session(this, decoder.newSequence(contextLength), contextLength);
    }

    /** Releases the backend and unmaps the file. Sessions must not be used afterwards. */
    @Override
    public void close() {
        decoder.close();
        file.close();
    }
}
