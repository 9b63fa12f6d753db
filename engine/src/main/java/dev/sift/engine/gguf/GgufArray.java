package dev.sift.engine.gguf;

import java.util.Arrays;

/**
 * A metadata array value.
 *
 * <p>{@code values} is a primitive Java array matching the element type: {@code byte[]} for
 * (U)INT8, {@code short[]} for (U)INT16, {@code int[]} for (U)INT32, {@code long[]} for (U)INT64,
 * {@code float[]}, {@code double[]}, {@code boolean[]}, {@code String[]}, or {@code GgufArray[]} for
 * nested arrays. Unsigned values keep their bit pattern.
 *
 * <p>Equality compares the element type and the contents (floats by bit pattern, as
 * {@link Arrays#equals(float[], float[])} does), so that two arrays read from different files or
 * built for {@link GgufWriter} compare as values.
 */
public record GgufArray(GgufValueType elementType, Object values) {

    /** The number of elements. */
    public int length() {
        return java.lang.reflect.Array.getLength(values);
    }

    @Override
    public boolean equals(Object o) {
        // deepEquals on one-element wrappers dispatches on the component type, primitive or nested.
        return o instanceof GgufArray other && elementType == other.elementType
                && Arrays.deepEquals(new Object[] {values}, new Object[] {other.values});
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
        String contents = Arrays.deepToString(new Object[] {values});
        return elementType + contents.substring(1, contents.length() - 1);
    }
}
