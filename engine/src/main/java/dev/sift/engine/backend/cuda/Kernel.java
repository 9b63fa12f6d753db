package dev.sift.engine.backend.cuda;

import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.tensor.UnsupportedTensorTypeException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The CUDA kernels of the backend: each is an {@code extern "C"} entry point of one PTX module,
 * a resource built from {@code engine/src/main/cuda/<module>.cu} by {@code scripts/build-ptx.sh}.
 * Free of JCuda so that the resources can be checked without it.
 */
enum Kernel {
    MATVEC_F32("matvec", "matvec_f32"),
    MATVEC_F16("matvec", "matvec_f16"),
    MATVEC_BF16("matvec", "matvec_bf16"),
    MATVEC_Q8_0("matvec", "matvec_q8_0"),
    MATVEC_Q4_0("matvec", "matvec_q4_0"),
    MATVEC_Q4_1("matvec", "matvec_q4_1"),
    MATVEC_Q5_0("matvec", "matvec_q5_0"),
    MATVEC_Q5_1("matvec", "matvec_q5_1"),
    MATVEC_Q4_K("matvec", "matvec_q4_k"),
    MATVEC_Q5_K("matvec", "matvec_q5_k"),
    MATVEC_Q6_K("matvec", "matvec_q6_k"),
    EMBEDDING_F32("matvec", "embedding_f32"),
    EMBEDDING_F16("matvec", "embedding_f16"),
    EMBEDDING_BF16("matvec", "embedding_bf16"),
    EMBEDDING_Q8_0("matvec", "embedding_q8_0"),
    EMBEDDING_Q4_0("matvec", "embedding_q4_0"),
    EMBEDDING_Q4_1("matvec", "embedding_q4_1"),
    EMBEDDING_Q5_0("matvec", "embedding_q5_0"),
    EMBEDDING_Q5_1("matvec", "embedding_q5_1"),
    EMBEDDING_Q4_K("matvec", "embedding_q4_k"),
    EMBEDDING_Q5_K("matvec", "embedding_q5_k"),
    EMBEDDING_Q6_K("matvec", "embedding_q6_k"),
    RMS_NORM("activations", "rms_norm"),
    SWIGLU("activations", "swiglu"),
    ROPE("attention", "rope"),
    KV_APPEND("attention", "kv_append"),
    ATTENTION("attention", "attention");

    /** Where the PTX modules are, relative to this class. */
    static final String RESOURCE_FOLDER = "/dev/sift/engine/backend/cuda/";

    private final String module;
    private final String entry;

    Kernel(String module, String entry) {
        this.module = module;
        this.entry = entry;
    }

    /** The PTX module (the {@code .cu} file's name without extension). */
    String module() {
        return module;
    }

    /** The entry point's name in the module. */
    String entry() {
        return entry;
    }

    /** Every module any kernel lives in. */
    static String[] modules() {
        return Arrays.stream(values()).map(Kernel::module).distinct().toArray(String[]::new);
    }

    /**
     * The matrix-vector kernel for weights of {@code type}.
     *
     * @param tensorName named in the exception when the backend has no kernel for the type
     */
    static Kernel matvec(TensorType type, String tensorName) {
        return switch (type) {
            case F32 -> MATVEC_F32;
            case F16 -> MATVEC_F16;
            case BF16 -> MATVEC_BF16;
            case Q8_0 -> MATVEC_Q8_0;
            case Q4_0 -> MATVEC_Q4_0;
            case Q4_1 -> MATVEC_Q4_1;
            case Q5_0 -> MATVEC_Q5_0;
            case Q5_1 -> MATVEC_Q5_1;
            case Q4_K -> MATVEC_Q4_K;
            case Q5_K -> MATVEC_Q5_K;
            case Q6_K -> MATVEC_Q6_K;
            default -> throw new UnsupportedTensorTypeException(type, tensorName);
        };
    }

    /** The row lookup kernel for an embedding table of {@code type}; as {@link #matvec}. */
    static Kernel embedding(TensorType type, String tensorName) {
        return switch (type) {
            case F32 -> EMBEDDING_F32;
            case F16 -> EMBEDDING_F16;
            case BF16 -> EMBEDDING_BF16;
            case Q8_0 -> EMBEDDING_Q8_0;
            case Q4_0 -> EMBEDDING_Q4_0;
            case Q4_1 -> EMBEDDING_Q4_1;
            case Q5_0 -> EMBEDDING_Q5_0;
            case Q5_1 -> EMBEDDING_Q5_1;
            case Q4_K -> EMBEDDING_Q4_K;
            case Q5_K -> EMBEDDING_Q5_K;
            case Q6_K -> EMBEDDING_Q6_K;
            default -> throw new UnsupportedTensorTypeException(type, tensorName);
        };
    }

    /** The PTX text of a module, as {@code cuModuleLoadData} wants it: NUL-terminated bytes. */
    static byte[] ptx(String module) {
        String resource = RESOURCE_FOLDER + module + ".ptx";
        try (InputStream in = Kernel.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("CUDA kernel resource " + resource + " is missing from the class path");
            }
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CUDA kernel resource " + resource, e);
        }
    }
}
