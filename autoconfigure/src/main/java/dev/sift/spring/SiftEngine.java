package dev.sift.spring;

import dev.sift.engine.generation.LoadedModel;
import dev.sift.engine.generation.ModelOptions;
import dev.sift.engine.sampling.SamplingOptions;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The application's one local model: located, loaded (at startup or on first use) and shared by
 * every chat model adapter, then closed with the application context.
 */
public class SiftEngine implements AutoCloseable {

    private static final Log log = LogFactory.getLog(SiftEngine.class);

    private final SiftProperties properties;
    private final Object lock = new Object();
    private volatile LoadedModel model;
    private volatile boolean closed;

    /**
     * Validates the properties and, for {@code sift.model.load=eager}, loads the model.
     *
     * @throws InvalidSiftPropertyException if a property is invalid
     */
    public SiftEngine(SiftProperties properties) {
        SiftPropertiesValidator.validate(properties);
        this.properties = properties;
        if (properties.getModel().getLoad() == SiftProperties.Load.EAGER) {
            model();
        }
    }

    /** The loaded model, loading it now if it is not loaded yet. */
    public LoadedModel model() {
        LoadedModel loaded = model;
        if (loaded != null) {
            return loaded;
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the Sift engine is closed");
            }
            if (model == null) {
                model = load();
            }
            return model;
        }
    }

    private LoadedModel load() {
        SiftProperties.Model settings = properties.getModel();
        Path file = ModelLocator.locate(settings);
        long start = System.nanoTime();
        try {
            LoadedModel loaded = LoadedModel.load(file, new ModelOptions(settings.getThreads(), settings.getContextLength()));
            log.info(String.format("Loaded %s (%s, %d layers, context %d) on %s in %d ms", file.getFileName(),
                    loaded.config().architecture(), loaded.config().layers(),
                    settings.getContextLength() == 0 ? loaded.config().contextLength() : settings.getContextLength(),
                    loaded.backendName(), (System.nanoTime() - start) / 1_000_000));
            return loaded;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether the model has been loaded. */
    public boolean isLoaded() {
        return model != null;
    }

    /** A name for the model: {@code general.name} from the file, else the file name. */
    public String modelName() {
        LoadedModel loaded = model();
        return loaded.file().string("general.name").orElse(loaded.file().path().getFileName().toString());
    }

    /** The configured properties. */
    public SiftProperties properties() {
        return properties;
    }

    /** Sampling defaults from {@code sift.chat.*}. */
    public SamplingOptions defaultSampling() {
        SiftProperties.Chat chat = properties.getChat();
        return SamplingOptions.DEFAULTS
                .withTemperature((float) chat.getTemperature())
                .withTopP((float) chat.getTopP())
                .withTopK(chat.getTopK())
                .withRepetitionPenalty((float) chat.getRepeatPenalty())
                .withSeed(chat.getSeed());
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (model != null) {
                model.close();
                model = null;
            }
        }
    }
}
