package dev.sift.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the device tests share. */
final class CudaTests {

    /**
     * System property: fail, rather than skip, the device tests when CUDA is unavailable. The GPU
     * check sets it, so that a driver or JCuda problem there cannot pass as a green run.
     */
    static final String REQUIRED_PROPERTY = "sift.cuda.required";

    private CudaTests() {
    }

    /** Skips the calling test class unless CUDA is available (or fails it, see {@link #REQUIRED_PROPERTY}). */
    static void requireCuda() {
        CudaAvailability availability = CudaAvailability.probe();
        if (!availability.available() && Boolean.getBoolean(REQUIRED_PROPERTY)) {
            fail("-D" + REQUIRED_PROPERTY + "=true but CUDA is unavailable: " + availability.detail());
        }
        assumeTrue(availability.available(), availability.detail());
    }
}
