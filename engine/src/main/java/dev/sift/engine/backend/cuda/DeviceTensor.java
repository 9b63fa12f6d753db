package dev.sift.engine.backend.cuda;

import dev.sift.engine.gguf.TensorType;

/**
 * A weight matrix in device memory, its bytes exactly as in the model file.
 *
 * @param name the GGUF tensor name, for error messages
 */
record DeviceTensor(String name, TensorType type, DeviceBuffer data) {
}
