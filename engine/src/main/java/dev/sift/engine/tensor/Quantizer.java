package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes float32 values into ggml's tensor formats, byte for byte as ggml's reference encoders do:
 * {@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}, {@code GGML_FP32_TO_FP16} and
 * {@code ggml_compute_fp32_to_bf16}. These are what {@code llama-quantize} and llama.cpp's
 * converters use without an importance matrix, so files written with them match real ones.
 *
 * <p>The result is the little-endian byte layout of a GGUF tensor and can be read back with
 * {@link Tensor#of(TensorType, java.lang.foreign.MemorySegment, long)}. Each method encodes one
 * array; to write a large tensor without holding it all, encode it a row (or a few rows) at a time:
 * blocks never span rows, so concatenating the encoded rows gives the encoded tensor.
 */
public final class Quantizer {

    /** Elements per Q8_0 / Q4_0 block. */
    private static final int BLOCK = 32;
    private static final int Q8_0_BLOCK_BYTES = 34;
    private static final int Q4_0_BLOCK_BYTES = 18;

    private Quantizer() {
    }

    /**
     * Encodes {@code values} as {@code type}.
     *
     * @throws UnsupportedTensorTypeException if there is no encoder for {@code type}
     * @throws IllegalArgumentException       if a block type gets a length that is not a multiple of its block size
     */
    public static byte[] quantize(TensorType type, float[] values) {
        return switch (type) {
            case F32 -> toF32(values);
            case F16 -> toF16(values);
            case BF16 -> toBF16(values);
            case Q8_0 -> quantizeQ8_0(values);
            case Q4_0 -> quantizeQ4_0(values);
            default -> throw new UnsupportedTensorTypeException(type, null);
        };
    }

    /** Little-endian float32. */
    public static byte[] toF32(float[] values) {
        ByteBuffer out = output(values.length * 4L);
        out.asFloatBuffer().put(values);
        return out.array();
    }

    /** IEEE half precision, rounded to nearest even ({@link Float#floatToFloat16}). */
    public static byte[] toF16(float[] values) {
        ByteBuffer out = output(values.length * 2L);
        for (float v : values) {
            out.putShort(Float.floatToFloat16(v));
        }
        return out.array();
    }

    /** bfloat16, rounded to nearest even as ggml does (see {@link #floatToBF16}). */
    public static byte[] toBF16(float[] values) {
        ByteBuffer out = output(values.length * 2L);
        for (float v : values) {
            out.putShort(floatToBF16(v));
        }
        return out.array();
    }

    /**
     * One float as bfloat16 bits, as ggml's {@code ggml_compute_fp32_to_bf16}: round to nearest even
     * on the upper 16 bits; a NaN keeps its sign and upper payload bits and is forced quiet (rounding
     * it could carry into the exponent and turn it into infinity).
     */
    public static short floatToBF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /**
     * Q8_0: per block of 32, {@code d = amax / 127} stored as F16 and {@code q = roundf(x / d)} as
     * int8. As in ggml, the quotient is {@code x * (1/d)} (not {@code x / d}) rounded half away from
     * zero; the two differ in the last bit often enough to change bytes.
     *
     * @throws IllegalArgumentException if the length is not a multiple of 32
     */
    public static byte[] quantizeQ8_0(float[] values) {
        ByteBuffer out = output(blocks(values) * Q8_0_BLOCK_BYTES);
        for (int start = 0; start < values.length; start += BLOCK) {
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float a = Math.abs(values[start + j]);
                amax = amax > a ? amax : a; // ggml's MAX(amax, a), including what it does with NaN
            }
            float d = amax / 127;
            float id = d != 0 ? 1f / d : 0f;
            out.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) {
                out.put((byte) roundHalfAwayFromZero(values[start + j] * id));
            }
        }
        return out.array();
    }

    /**
     * Q4_0: per block of 32, {@code d = max / -8} stored as F16, where {@code max} is the first
     * element of largest magnitude (sign kept, so that it maps exactly to nibble 0), and nibbles
     * {@code q = min(15, (int) (x * (1/d) + 8.5f))}. Byte {@code j} holds element {@code j} in its
     * low nibble and element {@code j + 16} in its high nibble.
     *
     * @throws IllegalArgumentException if the length is not a multiple of 32
     */
    public static byte[] quantizeQ4_0(float[] values) {
        ByteBuffer out = output(blocks(values) * Q4_0_BLOCK_BYTES);
        for (int start = 0; start < values.length; start += BLOCK) {
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = values[start + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1f / d : 0f;
            out.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK / 2; j++) {
                int low = nibble(values[start + j] * id);
                int high = nibble(values[start + BLOCK / 2 + j] * id);
                out.put((byte) (low | high << 4));
            }
        }
        return out.array();
    }

    /** ggml's {@code MIN(15, (int8_t)(x + 8.5f))}: truncation toward zero of a value in [0, 16.5]. */
    private static int nibble(float scaled) {
        return Math.min(15, (int) (scaled + 8.5f));
    }

    /** C's {@code roundf}: ties go away from zero, where {@link Math#round(float)} sends them up. */
    private static int roundHalfAwayFromZero(float v) {
        return v < 0 ? -Math.round(-v) : Math.round(v);
    }

    private static long blocks(float[] values) {
        if (values.length % BLOCK != 0) {
            throw new IllegalArgumentException(values.length + " values are not a whole number of " + BLOCK
                    + "-element blocks");
        }
        return values.length / BLOCK;
    }

    private static ByteBuffer output(long bytes) {
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("encoded size " + bytes + " does not fit in one array; encode row by row");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
