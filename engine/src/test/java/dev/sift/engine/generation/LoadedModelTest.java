package dev.sift.engine.generation;

import dev.sift.engine.SharedModels;
import dev.sift.engine.backend.Backend;
import dev.sift.engine.backend.cuda.CudaAvailability;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Loading and closing a model: what it maps, and the memory check that comes before. */
class LoadedModelTest {

    private static final Path STORIES = SharedModels.model("stories260K.gguf");

    /** The JVM's count of mapped file regions, which a model's mapping joins while it is open. */
    private static final BufferPoolMXBean MAPPED = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(pool -> pool.getName().equals("mapped")).findFirst().orElseThrow();

    @Test
    void closingTheModelUnmapsItsFile() throws IOException {
        long count = MAPPED.getCount();
        long bytes = MAPPED.getMemoryUsed();
        LoadedModel model = LoadedModel.load(STORIES, ModelOptions.DEFAULTS.withThreads(1));
        assertThat(MAPPED.getCount()).isEqualTo(count + 1);
        assertThat(MAPPED.getMemoryUsed()).isEqualTo(bytes + Files.size(STORIES));

        model.close();
        assertThat(MAPPED.getCount()).isEqualTo(count);
        assertThat(MAPPED.getMemoryUsed()).isEqualTo(bytes);
    }

    @Test
    void aModelTooLargeForMemoryFailsBeforeMappingWithNeededAndAvailableBytes() throws IOException {
        long size = Files.size(STORIES);
        long count = MAPPED.getCount();
        assertThatThrownBy(() -> LoadedModel.load(STORIES, ModelOptions.DEFAULTS, size - 1))
                .isInstanceOfSatisfying(InsufficientMemoryException.class, e -> {
                    assertThat(e.neededBytes()).isEqualTo(size);
                    assertThat(e.availableBytes()).isEqualTo(size - 1);
                })
                .hasMessageStartingWith("stories260K.gguf needs " + size + " bytes (0.0 GiB) of memory for its weights,"
                        + " but only " + (size - 1) + " bytes");
        assertThat(MAPPED.getCount()).isEqualTo(count);

        // Exactly enough is enough.
        LoadedModel.load(STORIES, ModelOptions.DEFAULTS.withThreads(1), size).close();
    }

    @Test
    void withoutAGpuTheAutomaticBackendChecksMemoryToo() {
        assumeFalse(CudaAvailability.probe().available(), "with a GPU, auto puts the weights on it");
        assertThatThrownBy(() -> LoadedModel.load(STORIES, ModelOptions.DEFAULTS.withBackend(Backend.AUTO), 1000))
                .isInstanceOf(InsufficientMemoryException.class).hasMessageContaining("only 1000 bytes");
    }

    @Test
    void theJvmTellsThePhysicalMemory() throws IOException {
        // Long.MAX_VALUE would mean the JVM could not tell, and the check would let everything through.
        assertThat(HostMemory.availableForWeights()).isLessThan(Long.MAX_VALUE).isGreaterThan(Files.size(STORIES));
    }
}
