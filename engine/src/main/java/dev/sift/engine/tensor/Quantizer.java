package dev.sift.engine.tensor;

import dev.sift.engine.gguf.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Encodes float32 values into ggml's tensor formats, byte for byte as ggml's reference encoders do:
 * {@code quantize_row_<type>_ref} for Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K,
 * {@code GGML_FP32_TO_FP16} and {@code ggml_compute_fp32_to_bf16}. These are what
 * {@code llama-quantize} and llama.cpp's converters use without an importance matrix, so files
 * written with them match real ones. Every float operation is done in float32 in ggml's order
 * (Java never fuses a multiply and an add), which is what makes the bytes equal.
 *
 * <p>The result is the little-endian byte layout of a GGUF tensor and can be read back with
 * {@link Tensor#of(TensorType, java.lang.foreign.MemorySegment, long)}. Each method encodes one
 * array; to write a large tensor without holding it all, encode it a row (or a few rows) at a time:
 * blocks never span rows, so concatenating the encoded rows gives the encoded tensor.
 */
public final class Quantizer {

    /** Elements per Q8_0 / Q4_0 / Q4_1 / Q5_0 / Q5_1 block. */
    private static final int BLOCK = 32;
    /** Elements per K-quant super-block. */
    private static final int SUPER_BLOCK = 256;
    /** ggml's {@code GROUP_MAX_EPS}: groups whose largest magnitude is below this count as all zero. */
    private static final float GROUP_MAX_EPS = 1e-15f;

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
            case Q4_1 -> quantizeQ4_1(values);
            case Q5_0 -> quantizeQ5_0(values);
            case Q5_1 -> quantizeQ5_1(values);
            case Q4_K -> quantizeQ4_K(values);
            case Q5_K -> quantizeQ5_K(values);
            case Q6_K -> quantizeQ6_K(values);
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
        ByteBuffer out = output(blocks(values, BLOCK) * TensorType.Q8_0.blockBytes());
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
        ByteBuffer out = output(blocks(values, BLOCK) * TensorType.Q4_0.blockBytes());
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
                int low = truncate(values[start + j] * id + 8.5f, 15);
                int high = truncate(values[start + BLOCK / 2 + j] * id + 8.5f, 15);
                out.put((byte) (low | high << 4));
            }
        }
        return out.array();
    }

    /**
     * Q4_1: per block of 32, {@code d = (max - min) / 15} and {@code m = min} stored as F16, and
     * nibbles {@code q = min(15, (int) ((x - min) * (1/d) + 0.5f))}, packed as in Q4_0.
     *
     * @throws IllegalArgumentException if the length is not a multiple of 32
     */
    public static byte[] quantizeQ4_1(float[] values) {
        ByteBuffer out = output(blocks(values, BLOCK) * TensorType.Q4_1.blockBytes());
        for (int start = 0; start < values.length; start += BLOCK) {
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < BLOCK; j++) {
                float v = values[start + j];
                if (v < min) {
                    min = v;
                }
                if (v > max) {
                    max = v;
                }
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1f / d : 0f;
            out.putShort(Float.floatToFloat16(d));
            out.putShort(Float.floatToFloat16(min));
            for (int j = 0; j < BLOCK / 2; j++) {
                int low = truncate((values[start + j] - min) * id + 0.5f, 15);
                int high = truncate((values[start + BLOCK / 2 + j] - min) * id + 0.5f, 15);
                out.put((byte) (low | high << 4));
            }
        }
        return out.array();
    }

    /**
     * Q5_0: as Q4_0 with 5-bit quants: {@code d = max / -16} (F16) for the first element of largest
     * magnitude, and {@code q = min(31, (int) (x * (1/d) + 16.5f))}.
     *
     * @throws IllegalArgumentException if the length is not a multiple of 32
     */
    public static byte[] quantizeQ5_0(float[] values) {
        ByteBuffer out = output(blocks(values, BLOCK) * TensorType.Q5_0.blockBytes());
        int[] quants = new int[BLOCK];
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
            float d = max / -16;
            float id = d != 0 ? 1f / d : 0f;
            out.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) {
                quants[j] = truncate(values[start + j] * id + 16.5f, 31);
            }
            putFiveBitQuants(out, quants);
        }
        return out.array();
    }

    /**
     * Q5_1: as Q4_1 with 5-bit quants: {@code d = (max - min) / 31}, {@code m = min} (F16), and
     * {@code q = (int) ((x - min) * (1/d) + 0.5f)}, which ggml does not cap.
     *
     * @throws IllegalArgumentException if the length is not a multiple of 32
     */
    public static byte[] quantizeQ5_1(float[] values) {
        ByteBuffer out = output(blocks(values, BLOCK) * TensorType.Q5_1.blockBytes());
        int[] quants = new int[BLOCK];
        for (int start = 0; start < values.length; start += BLOCK) {
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < BLOCK; j++) {
                float v = values[start + j];
                if (v < min) {
                    min = v;
                }
                if (v > max) {
                    max = v;
                }
            }
            float d = (max - min) / 31;
            float id = d != 0 ? 1f / d : 0f;
            out.putShort(Float.floatToFloat16(d));
            out.putShort(Float.floatToFloat16(min));
            for (int j = 0; j < BLOCK; j++) {
                quants[j] = (int) ((values[start + j] - min) * id + 0.5f);
            }
            putFiveBitQuants(out, quants);
        }
        return out.array();
    }

    /**
     * Q5_0's and Q5_1's quants: a little-endian word whose bit {@code j} is bit 4 of quant
     * {@code j}, then their low nibbles packed as in Q4_0.
     */
    private static void putFiveBitQuants(ByteBuffer out, int[] quants) {
        int fifthBits = 0;
        for (int j = 0; j < BLOCK; j++) {
            fifthBits |= ((quants[j] >>> 4) & 1) << j;
        }
        out.putInt(fifthBits);
        for (int j = 0; j < BLOCK / 2; j++) {
            out.put((byte) ((quants[j] & 0xF) | (quants[j + BLOCK / 2] & 0xF) << 4));
        }
    }

    /**
     * Q4_K: per super-block of 256, each sub-block of 32 gets a scale and a minimum from ggml's
     * {@code make_qkx2_quants} (see {@link #makeQkx2Quants}); these are quantized to 6 bits against
     * {@code d = max scale / 63} and {@code dmin = max minimum / 63} (both F16), and then every
     * element to {@code q = nearest((x + dmin * m) / (d * sc))} in [0, 15]. The layout is described
     * in {@link ScaleMinBlocks}.
     *
     * @throws IllegalArgumentException if the length is not a multiple of 256
     */
    public static byte[] quantizeQ4_K(float[] values) {
        return quantizeScaleMin(values, TensorType.Q4_K, 15, -1f, 20);
    }

    /**
     * Q5_K: as Q4_K with quants in [0, 31], whose fifth bits go to a field of their own, and ggml's
     * narrower search for the sub-block scales.
     *
     * @throws IllegalArgumentException if the length is not a multiple of 256
     */
    public static byte[] quantizeQ5_K(float[] values) {
        return quantizeScaleMin(values, TensorType.Q5_K, 31, -0.5f, 15);
    }

    /**
     * {@code quantize_row_q4_K_ref} and {@code quantize_row_q5_K_ref}, which differ only in the
     * quant range {@code nmax}, the scale search ({@code rmin}, {@code nstep}) and Q5_K's fifth bits.
     */
    private static byte[] quantizeScaleMin(float[] values, TensorType type, int nmax, float rmin, int nstep) {
        ByteBuffer out = output(blocks(values, SUPER_BLOCK) * type.blockBytes());
        int sub = ScaleMinBlocks.SUB_BLOCK;
        float[] weights = new float[sub];
        float[] scales = new float[ScaleMinBlocks.SUB_BLOCKS];
        float[] mins = new float[ScaleMinBlocks.SUB_BLOCKS];
        int[] quantScales = new int[ScaleMinBlocks.SUB_BLOCKS];
        int[] quantMins = new int[ScaleMinBlocks.SUB_BLOCKS];
        int[] levels = new int[SUPER_BLOCK];
        int[] candidate = new int[sub];
        for (int start = 0; start < values.length; start += SUPER_BLOCK) {
            float maxScale = 0f;
            float maxMin = 0f;
            for (int j = 0; j < ScaleMinBlocks.SUB_BLOCKS; j++) {
                int at = start + sub * j;
                float sumX2 = 0f;
                for (int l = 0; l < sub; l++) {
                    sumX2 += values[at + l] * values[at + l];
                }
                float averageMagnitude = (float) Math.sqrt(sumX2 / sub);
                for (int l = 0; l < sub; l++) {
                    weights[l] = averageMagnitude + Math.abs(values[at + l]);
                }
                scales[j] = makeQkx2Quants(nmax, values, at, weights, levels, sub * j, candidate,
                        rmin, 0.1f, nstep, mins, j);
                if (scales[j] > maxScale) {
                    maxScale = scales[j];
                }
                if (mins[j] > maxMin) {
                    maxMin = mins[j];
                }
            }
            float inverseScale = maxScale > 0 ? 63f / maxScale : 0f;
            float inverseMin = maxMin > 0 ? 63f / maxMin : 0f;
            for (int j = 0; j < ScaleMinBlocks.SUB_BLOCKS; j++) {
                // ggml stores nearest_int's result in a uint8_t before capping it at 63
                quantScales[j] = Math.min(63, nearestInt(inverseScale * scales[j]) & 0xFF);
                quantMins[j] = Math.min(63, nearestInt(inverseMin * mins[j]) & 0xFF);
            }
            short d16 = Float.floatToFloat16(maxScale / 63f);
            short dmin16 = Float.floatToFloat16(maxMin / 63f);
            float d = Float.float16ToFloat(d16);
            float dmin = Float.float16ToFloat(dmin16);
            for (int j = 0; j < ScaleMinBlocks.SUB_BLOCKS; j++) {
                float subScale = d * quantScales[j];
                if (subScale == 0) {
                    continue; // as in ggml, the sub-block keeps make_qkx2_quants' levels
                }
                float subMin = dmin * quantMins[j];
                for (int l = 0; l < sub; l++) {
                    int at = start + sub * j + l;
                    levels[sub * j + l] = clamp(nearestInt((values[at] + subMin) / subScale), 0, nmax);
                }
            }
            byte[] fifthBits = new byte[ScaleMinBlocks.QH_BYTES];
            byte[] nibbles = new byte[ScaleMinBlocks.QS_BYTES];
            for (int c = 0; c < ScaleMinBlocks.SUB_BLOCKS / 2; c++) {
                for (int l = 0; l < sub; l++) {
                    int low = levels[2 * sub * c + l];
                    int high = levels[2 * sub * c + sub + l];
                    nibbles[sub * c + l] = (byte) ((low & 0xF) | (high & 0xF) << 4);
                    fifthBits[l] |= (byte) ((low >>> 4) << (2 * c) | (high >>> 4) << (2 * c + 1));
                }
            }
            out.putShort(d16);
            out.putShort(dmin16);
            out.put(ScaleMinBlocks.pack(quantScales, quantMins));
            if (type == TensorType.Q5_K) {
                out.put(fifthBits); // Q4_K's levels never exceed 15, so it has none to store
            }
            out.put(nibbles);
        }
        return out.array();
    }

    /**
     * ggml's {@code make_qkx2_quants} without {@code use_mad}: fits {@code x ≈ scale * l + min} with
     * {@code l} in [0, nmax] and {@code min <= 0} to the {@code weights.length} elements
     * {@code x[at..]}, minimising the weighted squared error. It starts from the full range, then
     * tries {@code nstep + 1} stretched grids ({@code (rmin + rdelta * step + nmax) / range}), each
     * with the least-squares scale and minimum for its levels, and keeps the best. Writes the levels
     * to {@code levels[levelsAt..]} and {@code -min} to {@code mins[minIndex]}; returns the scale.
     */
    private static float makeQkx2Quants(int nmax, float[] x, int at, float[] weights, int[] levels, int levelsAt,
                                        int[] candidate, float rmin, float rdelta, int nstep, float[] mins, int minIndex) {
        int n = weights.length;
        float min = x[at];
        float max = x[at];
        float sumW = weights[0];
        float sumX = sumW * x[at];
        for (int i = 1; i < n; i++) {
            if (x[at + i] < min) {
                min = x[at + i];
            }
            if (x[at + i] > max) {
                max = x[at + i];
            }
            float w = weights[i];
            sumW += w;
            sumX += w * x[at + i];
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            Arrays.fill(levels, levelsAt, levelsAt + n, 0);
            mins[minIndex] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0f;
        for (int i = 0; i < n; i++) {
            int l = clamp(nearestInt(iscale * (x[at + i] - min)), 0, nmax);
            levels[levelsAt + i] = l;
            float diff = scale * l + min - x[at + i];
            bestError += weights[i] * (diff * diff);
        }
        for (int step = 0; step <= nstep; step++) {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            float sumL = 0f;
            float sumL2 = 0f;
            float sumXL = 0f;
            for (int i = 0; i < n; i++) {
                int l = clamp(nearestInt(iscale * (x[at + i] - min)), 0, nmax);
                candidate[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[at + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0f;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * candidate[i] + thisMin - x[at + i];
                    error += weights[i] * (diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(candidate, 0, levels, levelsAt, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[minIndex] = -min;
        return scale;
    }

    /**
     * Q6_K: per super-block of 256, each sub-block of 16 gets a signed scale from ggml's
     * {@code make_qx_quants} (see {@link #makeQxQuants}); these are quantized to int8 against
     * {@code d = -(the scale of largest magnitude) / 128} (F16), and then every element to
     * {@code q = nearest(x / (d * sc))} in [-32, 31], stored plus 32. A super-block whose scales are
     * all below ggml's epsilon is all zero bytes. The layout is described in {@link Q6_KTensor}.
     *
     * @throws IllegalArgumentException if the length is not a multiple of 256
     */
    public static byte[] quantizeQ6_K(float[] values) {
        int blockBytes = TensorType.Q6_K.blockBytes();
        ByteBuffer out = output(blocks(values, SUPER_BLOCK) * blockBytes);
        float[] scales = new float[SUPER_BLOCK / 16];
        int[] levels = new int[SUPER_BLOCK];
        for (int start = 0; start < values.length; start += SUPER_BLOCK) {
            float maxScale = 0f;
            float maxAbsScale = 0f;
            for (int s = 0; s < scales.length; s++) {
                scales[s] = makeQxQuants(32, values, start + 16 * s, 16, levels, 16 * s);
                float abs = Math.abs(scales[s]);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scales[s];
                }
            }
            if (maxAbsScale < GROUP_MAX_EPS) {
                out.put(new byte[blockBytes]);
                continue;
            }
            float iscale = -128f / maxScale;
            short d16 = Float.floatToFloat16(1 / iscale);
            float d = Float.float16ToFloat(d16);
            byte[] quantScales = new byte[scales.length];
            for (int s = 0; s < scales.length; s++) {
                quantScales[s] = (byte) Math.min(127, nearestInt(iscale * scales[s]));
                float subScale = d * quantScales[s];
                if (subScale == 0) {
                    continue; // as in ggml, the sub-block keeps make_qx_quants' levels
                }
                for (int l = 0; l < 16; l++) {
                    levels[16 * s + l] = clamp(nearestInt(values[start + 16 * s + l] / subScale), -32, 31) + 32;
                }
            }
            byte[] low = new byte[128];
            byte[] high = new byte[64];
            for (int half = 0; half < 2; half++) {
                for (int l = 0; l < 32; l++) {
                    int at = 128 * half + l;
                    int q0 = levels[at];
                    int q1 = levels[at + 32];
                    int q2 = levels[at + 64];
                    int q3 = levels[at + 96];
                    low[64 * half + l] = (byte) ((q0 & 0xF) | (q2 & 0xF) << 4);
                    low[64 * half + 32 + l] = (byte) ((q1 & 0xF) | (q3 & 0xF) << 4);
                    high[32 * half + l] = (byte) ((q0 >>> 4) | (q1 >>> 4) << 2 | (q2 >>> 4) << 4 | (q3 >>> 4) << 6);
                }
            }
            out.put(low).put(high).put(quantScales).putShort(d16);
        }
        return out.array();
    }

    /**
     * ggml's {@code make_qx_quants} with {@code rmse_type = 1} and no importance weights: fits
     * {@code x ≈ scale * l} with {@code l} in [-nmax, nmax - 1] to {@code x[at .. at + n]}, each
     * element weighted by {@code x²}. The element of largest magnitude (the first, on ties) maps to
     * {@code -nmax}; 18 slightly stretched and shrunk grids ({@code -(nmax + 0.1 * step) / max}) are
     * then tried, each with its least-squares scale, and the best kept. Writes {@code l + nmax} to
     * {@code levels[levelsAt..]}; returns the scale (0 for an all-zero group).
     */
    private static float makeQxQuants(int nmax, float[] x, int at, int n, int[] levels, int levelsAt) {
        float max = 0f;
        float amax = 0f;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[at + i]);
            if (ax > amax) {
                amax = ax;
                max = x[at + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            Arrays.fill(levels, levelsAt, levelsAt + n, 0);
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0f;
        float sumL2 = 0f;
        for (int i = 0; i < n; i++) {
            float v = x[at + i];
            int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
            levels[levelsAt + i] = l + nmax;
            float w = v * v;
            sumLX += w * v * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int step = -9; step <= 9; step++) {
            if (step == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * step) / max;
            sumLX = 0f;
            sumL2 = 0f;
            for (int i = 0; i < n; i++) {
                float v = x[at + i];
                int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
                float w = v * v;
                sumLX += w * v * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    levels[levelsAt + i] = nmax + clamp(nearestInt(iscale * x[at + i]), -nmax, nmax - 1);
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    /**
     * ggml's {@code nearest_int}: adding 1.5 * 2^23 makes the float adder round to the nearest
     * integer (ties to even), which is then read from the low mantissa bits. Like ggml, only
     * meaningful for magnitudes below 2^22.
     */
    private static int nearestInt(float v) {
        return (Float.floatToRawIntBits(v + 12582912f) & 0x007fffff) - 0x00400000;
    }

    private static int clamp(int v, int low, int high) {
        return Math.max(low, Math.min(high, v));
    }

    /** ggml's {@code MIN(top, (int8_t) v)} for a non-negative {@code v}: truncation toward zero, capped. */
    private static int truncate(float v, int top) {
        return Math.min(top, (int) v);
    }

    /** C's {@code roundf}: ties go away from zero, where {@link Math#round(float)} sends them up. */
    private static int roundHalfAwayFromZero(float v) {
        return v < 0 ? -Math.round(-v) : Math.round(v);
    }

    private static long blocks(float[] values, int blockSize) {
        if (values.length % blockSize != 0) {
            throw new IllegalArgumentException(values.length + " values are not a whole number of " + blockSize
                    + "-element blocks");
        }
        return values.length / blockSize;
    }

    private static ByteBuffer output(long bytes) {
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("encoded size " + bytes + " does not fit in one array; encode row by row");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
