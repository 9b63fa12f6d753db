package dev.sift.engine.backend.cuda;

/**
 * The CUDA backend cannot run: CUDA is unavailable, or a driver call failed (the message names the
 * call and the driver's error code, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}). Free of JCuda types,
 * so callers can catch it without JCuda on the class path.
 */
public final class CudaBackendException extends RuntimeException {

    public CudaBackendException(String message) {
        super(message);
    }
}
