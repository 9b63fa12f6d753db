package dev.sift.engine.kv;

import java.util.Arrays;
import java.util.Locale;

/** How the CPU backend's KV cache stores keys and values. */
public enum KvPrecision {

    /** IEEE half precision: half the memory of {@link #F32}, as llama.cpp's default cache. */
    F16(Short.BYTES),
    /** float32: the values exactly as computed. */
    F32(Float.BYTES);

    private final int bytes;

    KvPrecision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per stored element. */
    public int bytes() {
        return bytes;
    }

    /**
     * The precision named {@code name} ({@code f16} or {@code f32}, any case).
     *
     * @throws IllegalArgumentException naming the value and the choices
     */
    public static KvPrecision parse(String name) {
        return Arrays.stream(values()).filter(p -> p.name().equalsIgnoreCase(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown KV cache type '" + name + "' (choose f16 or f32)"));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
