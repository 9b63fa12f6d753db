package dev.sift.engine.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The probe answers on any machine, with or without JCuda's natives, a driver or a GPU. */
class CudaAvailabilityTest {

    @Test
    void probeAnswersOnceWithOneLine() {
        CudaAvailability availability = CudaAvailability.probe();
        System.out.println("CUDA available: " + availability.available() + " - " + availability.detail());
        assertThat(availability.detail()).isNotBlank().doesNotContain("\n").doesNotContain("\tat ");
        assertThat(CudaAvailability.probe()).isSameAs(availability);
    }

    @Test
    void decoderRefusesWithTheReasonWhenCudaIsUnavailable() {
        CudaAvailability availability = CudaAvailability.probe();
        assumeFalse(availability.available(), "CUDA is available here");
        // Refused before the arguments are looked at.
        assertThatThrownBy(() -> new CudaDecoder(null, null))
                .isInstanceOf(CudaBackendException.class)
                .hasMessage("CUDA is not available: " + availability.detail());
    }
}
