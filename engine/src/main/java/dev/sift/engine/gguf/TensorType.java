package dev.sift.engine.gguf;

/**
 * The ggml tensor types a GGUF file can declare, with ggml's type ids and block layouts.
 *
 * <p>Every type ggml defines is known here so that any well-formed file can be opened and
 * described; {@link #isSupported()} says which ones the engine can compute with. A tensor's row of
 * {@code n} elements occupies {@code n / blockSize * blockBytes} bytes.
 */
public enum TensorType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, true),
    Q5_0(6, 32, 22, true),
    Q5_1(7, 32, 24, true),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, false),
    Q3_K(11, 256, 110, false),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false),
    MXFP4(39, 32, 17, false);

    private final int id;
    private final int blockSize;
    private final int blockBytes;
    private final boolean supported;

    TensorType(int id, int blockSize, int blockBytes, boolean supported) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.supported = supported;
    }

    /** ggml's type id, as written in the file. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain float and integer types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Whether the engine can compute with tensors of this type. */
    public boolean isSupported() {
        return supported;
    }

    /**
     * Bytes taken by {@code elements} elements, computed with overflow checks.
     *
     * @throws ArithmeticException if the size overflows a {@code long}
     */
    public long bytesFor(long elements) {
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The type with the given ggml id, or {@code null} if ggml defines none. */
    public static TensorType fromId(int id) {
        for (TensorType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        return null;
    }
}
