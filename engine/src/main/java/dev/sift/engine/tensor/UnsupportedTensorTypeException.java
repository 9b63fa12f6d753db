package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.util.Arrays;
import java.util.stream.Collectors;

/** A tensor uses a block format the engine cannot compute with yet. */
public final class UnsupportedTensorTypeException extends RuntimeException {

    private final TensorType type;

    public UnsupportedTensorTypeException(TensorType type, String tensorName) {
        super((tensorName == null ? "" : "tensor '" + tensorName + "' has ") + "type " + type
                + ", which Sift cannot compute with (supported: " + supportedTypes() + ")");
        this.type = type;
    }

    /** The unsupported type. */
    public TensorType type() {
        return type;
    }

    private static String supportedTypes() {
        return Arrays.stream(TensorType.values()).filter(TensorType::isSupported)
                .map(Enum::name).collect(Collectors.joining(", "));
    }
}
