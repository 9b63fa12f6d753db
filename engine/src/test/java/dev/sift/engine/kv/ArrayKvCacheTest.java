package dev.sift.engine.kv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArrayKvCacheTest {

    private static ArrayKvCache filled(int tokens) {
        ArrayKvCache cache = new ArrayKvCache(1, 2, 2, 1000);
        for (int p = 0; p < tokens; p++) {
            cache.append(0, p, new float[]{p, -p, 10 * p, -10 * p}, new float[]{p + 0.5f, 0, 0, 0});
        }
        return cache;
    }

    @ParameterizedTest
    @EnumSource(KvPrecision.class)
    void keyDotsOfManyEntriesAreEachEntrysKeyDotBitForBit(KvPrecision precision) {
        int headDim = 64;
        int entries = 3 * 16 + 5;
        int queries = 3;
        ArrayKvCache cache = new ArrayKvCache(1, 2, headDim, 1024, precision);
        Random random = new Random(17);
        float[] keys = new float[2 * headDim];
        float[] values = new float[2 * headDim];
        for (int position = 0; position < entries; position++) {
            for (int i = 0; i < keys.length; i++) {
                keys[i] = (float) random.nextGaussian();
                values[i] = (float) random.nextGaussian();
            }
            cache.append(0, position, keys, values);
        }
        float[] query = new float[queries * headDim];
        for (int i = 0; i < query.length; i++) {
            query[i] = (float) random.nextGaussian();
        }
        float[][] grouped = new float[queries][entries];
        cache.keyDots(0, 1, entries, query, 0, queries, grouped, 0);
        for (int h = 0; h < queries; h++) {
            float[] single = new float[entries];
            cache.keyDots(0, 1, entries, query, h * headDim, single);
            for (int e = 0; e < entries; e++) {
                float expected = cache.keyDot(0, 1, e, query, h * headDim);
                assertThat(single[e]).as("%s query %d entry %d", precision, h, e).isEqualTo(expected);
                assertThat(grouped[h][e]).as("%s grouped query %d entry %d", precision, h, e).isEqualTo(expected);
            }
        }
    }

    @Test
    void retainKeepsEntriesWithTheirPositionsAndFreesTheRest() {
        ArrayKvCache cache = filled(10);
        cache.retain(0, 1, new int[]{0, 4, 9});

        assertThat(cache.length(0, 0)).isEqualTo(10);
        assertThat(cache.length(0, 1)).isEqualTo(3);
        float[] key = new float[2];
        cache.readKey(0, 1, 1, key, 0);
        assertThat(key).containsExactly(40f, -40f);
        assertThat(cache.position(0, 1, 2)).isEqualTo(9);
        // Head 0 still holds its 64-entry block; head 1 exactly its 3 entries.
        assertThat(cache.keyValueBytes()).isEqualTo((64L + 3) * 2 * 2 * Float.BYTES);
        assertThat(cache.allocatedBytes()).isEqualTo(cache.keyValueBytes() + (64L + 3) * Integer.BYTES);

        assertThatThrownBy(() -> cache.retain(0, 1, new int[]{2, 1})).hasMessageContaining("strictly increasing");
        assertThatThrownBy(() -> cache.retain(0, 1, new int[]{3})).hasMessageContaining("below 3");
    }

    @Test
    void clearKeepsTheStorageAndReleaseGivesItBack() {
        ArrayKvCache cache = filled(10);
        cache.clear();
        assertThat(cache.length(0, 0)).isZero();
        assertThat(cache.allocatedBytes()).isEqualTo(2 * 64L * (2 * 2 * Float.BYTES + Integer.BYTES));

        cache.release();
        assertThat(cache.allocatedBytes()).isZero();
        // A released cache is empty, not broken.
        cache.append(0, 0, new float[]{1, 2, 3, 4}, new float[4]);
        float[] key = new float[2];
        cache.readKey(0, 1, 0, key, 0);
        assertThat(key).containsExactly(3f, 4f);
    }

    @Test
    void reserveMakesRoomForExactlyTheEntriesAsked() {
        ArrayKvCache cache = filled(0);
        cache.reserve(100);
        assertThat(cache.keyValueBytes()).isEqualTo(100L * 2 * 2 * 2 * Float.BYTES);
        for (int p = 0; p < 100; p++) {
            cache.append(0, p, new float[4], new float[4]);
        }
        assertThat(cache.keyValueBytes()).isEqualTo(100L * 2 * 2 * 2 * Float.BYTES);
    }

    @Test
    void halfPrecisionStoresHalvesInHalfTheMemory() {
        ArrayKvCache half = new ArrayKvCache(1, 2, 20, 100, KvPrecision.F16);
        ArrayKvCache full = new ArrayKvCache(1, 2, 20, 100, KvPrecision.F32);
        float[] keys = new float[40];
        float[] values = new float[40];
        for (int p = 0; p < 3; p++) {
            for (int i = 0; i < 40; i++) {
                keys[i] = (float) Math.sin(p * 40 + i) * 3;
                values[i] = (float) Math.cos(p * 40 + i) / 7;
            }
            half.append(0, p, keys, values);
            full.append(0, p, keys, values);
        }
        float[] key = new float[20];
        half.readKey(0, 1, 2, key, 0);
        for (int i = 0; i < 20; i++) {
            // The stored value is the nearest half, so reading gives exactly its float.
            assertThat(key[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(keys[20 + i])));
        }
        assertThat(half.keyValueBytes() * 2).isEqualTo(full.keyValueBytes());

        float[] query = new float[20];
        float[] weights = {0.2f, 0.3f, 0.5f};
        java.util.Arrays.fill(query, 0.5f);
        float[] halfScores = new float[3];
        float[] fullScores = new float[3];
        half.keyDots(0, 1, 3, query, 0, halfScores);
        full.keyDots(0, 1, 3, query, 0, fullScores);
        float[] halfOut = new float[20];
        float[] fullOut = new float[20];
        half.weightedValues(0, 0, 3, weights, halfOut, 0);
        full.weightedValues(0, 0, 3, weights, fullOut, 0);
        for (int e = 0; e < 3; e++) {
            assertThat(halfScores[e]).isCloseTo(fullScores[e], org.assertj.core.data.Offset.offset(1e-2f));
            assertThat(halfScores[e]).isEqualTo(half.keyDot(0, 1, e, query, 0));
        }
        for (int i = 0; i < 20; i++) {
            assertThat(halfOut[i]).isCloseTo(fullOut[i], org.assertj.core.data.Offset.offset(1e-3f));
        }

        half.retain(0, 0, new int[]{1});
        assertThat(half.length(0, 0)).isEqualTo(1);
        float[] value = new float[20];
        half.readValue(0, 0, 0, value, 0);
        assertThat(value[0]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16((float) Math.cos(40) / 7)));
    }

    @Test
    void theDefaultByteCountIsTheEntriesHeldInFloat32() {
        ArrayKvCache cache = filled(5);
        KvCache view = new KvCache() {
            // Only what the default needs; a backend cache that stores elsewhere would look like this.
            public int layers() { return cache.layers(); }
            public int kvHeads() { return cache.kvHeads(); }
            public int headDim() { return cache.headDim(); }
            public int capacity() { return cache.capacity(); }
            public int length(int layer, int kvHead) { return cache.length(layer, kvHead); }
            public int position(int layer, int kvHead, int entry) { return cache.position(layer, kvHead, entry); }
            public void append(int layer, int position, float[] keys, float[] values) { }
            public float keyDot(int layer, int kvHead, int entry, float[] query, int queryOffset) { return 0; }
            public void addWeightedValue(int layer, int kvHead, int entry, float weight, float[] out, int outOffset) { }
            public void readKey(int layer, int kvHead, int entry, float[] out, int outOffset) { }
            public void readValue(int layer, int kvHead, int entry, float[] out, int outOffset) { }
            public void retain(int layer, int kvHead, int[] entries) { }
            public void clear() { }
            public long allocatedBytes() { return 0; }
        };
        assertThat(view.keyValueBytes()).isEqualTo(5L * 2 * 2 * 2 * Float.BYTES);
    }
}
