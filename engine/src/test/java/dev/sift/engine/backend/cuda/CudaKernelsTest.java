package dev.sift.engine.backend.cuda;

import dev.sift.engine.backend.CpuKernels;
import dev.sift.engine.gguf.TensorType;
import dev.sift.engine.kv.ArrayKvCache;
import dev.sift.engine.kv.KvCache;
import dev.sift.engine.tensor.Quantizer;
import dev.sift.engine.tensor.Tensor;
import jcuda.Pointer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Each kernel against the CPU backend's math on random data, so that a failing model comparison
 * in {@link CudaDecoderTest} can be traced to one kernel. Needs a CUDA device; skipped otherwise.
 */
class CudaKernelsTest {

    private static CudaContext context;
    private static CudaKernels kernels;

    private final SplittableRandom random = new SplittableRandom(20261127);

    @BeforeAll
    static void open() {
        CudaTests.requireCuda();
        context = new CudaContext(0);
        kernels = new CudaKernels(context);
    }

    /** The context is current per thread, and nothing promises that every test runs on the opening thread. */
    @BeforeEach
    void makeCurrent() {
        context.makeCurrent();
    }

    @AfterAll
    static void close() {
        if (context != null) {
            context.close();
        }
    }

    @ParameterizedTest
    @CsvSource({"F32,67,96", "F32,3,35", "F32,300,4096", "F16,67,96", "F16,3,35", "F16,300,4096",
            "BF16,67,96", "BF16,3,35", "BF16,300,4096", "Q8_0,67,96", "Q8_0,1,32", "Q8_0,300,4096",
            "Q4_0,67,96", "Q4_0,1,32", "Q4_0,300,4096", "Q4_1,67,96", "Q4_1,1,32", "Q4_1,300,4096",
            "Q5_0,67,96", "Q5_0,1,32", "Q5_0,300,4096", "Q5_1,67,96", "Q5_1,1,32", "Q5_1,300,4096",
            "Q4_K,67,256", "Q4_K,3,768", "Q4_K,300,4096", "Q5_K,67,256", "Q5_K,3,768", "Q5_K,300,4096",
            "Q6_K,67,256", "Q6_K,3,768", "Q6_K,300,4096"})
    void matvecMatchesTensorDot(TensorType type, int rows, int cols) {
        Tensor weights = tensor(type, randomFloats(rows * cols));
        float[] x = randomFloats(cols);
        DeviceTensor deviceWeights = upload("w", weights);
        DeviceBuffer out = floats(rows);
        kernels.matvec(deviceWeights, out, upload(x), null, rows, cols);

        float[] actual = download(out, rows);
        for (int r = 0; r < rows; r++) {
            float expected = weights.dot((long) r * cols, x, 0, cols);
            assertThat(actual[r]).as("%s row %d of %d×%d", type, r, rows, cols)
                    .isCloseTo(expected, within(tolerance(weights, r, cols, x)));
        }
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q4_K", "Q5_K", "Q6_K"})
    void matvecAddsTheAddendInPlace(TensorType type) {
        int rows = 40;
        int cols = type.blockSize() == 256 ? 512 : 128;
        Tensor weights = tensor(type, randomFloats(rows * cols));
        float[] x = randomFloats(cols);
        float[] residual = randomFloats(rows);
        DeviceBuffer out = upload(residual);
        kernels.matvec(upload("w", weights), out, upload(x), out, rows, cols);

        float[] actual = download(out, rows);
        for (int r = 0; r < rows; r++) {
            float expected = residual[r] + weights.dot((long) r * cols, x, 0, cols);
            assertThat(actual[r]).as("%s row %d", type, r).isCloseTo(expected, within(tolerance(weights, r, cols, x)));
        }
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q4_K", "Q5_K", "Q6_K"})
    void embeddingDequantizesExactlyOneRow(TensorType type) {
        int rows = 9;
        int cols = type.blockSize() == 256 ? 768 : 160;
        Tensor table = tensor(type, randomFloats(rows * cols));
        DeviceTensor deviceTable = upload("token_embd.weight", table);
        for (int token : new int[] {0, 4, rows - 1}) {
            DeviceBuffer out = floats(cols);
            kernels.embedding(deviceTable, out, token, cols);
            float[] expected = new float[cols];
            table.dequantize((long) token * cols, expected, 0, cols);
            assertThat(download(out, cols)).as("%s token %d", type, token).containsExactly(expected);
        }
    }

    @ParameterizedTest
    @CsvSource({"4096,1", "96,1", "16,6", "128,4", "1000,3"})
    void rmsNormMatchesTheCpu(int n, int count) {
        float[] x = randomFloats(n * count);
        float[] weight = randomFloats(n);
        Tensor weightTensor = tensor(TensorType.F32, weight);
        DeviceBuffer buffer = upload(x);
        kernels.rmsNorm(buffer, buffer, upload(weight), n, count, 1e-6f);

        float[] actual = download(buffer, n * count);
        for (int v = 0; v < count; v++) {
            float[] vector = Arrays.copyOfRange(x, v * n, (v + 1) * n);
            CpuKernels.rmsNorm(vector, vector, weightTensor, n, 1e-6f);
            for (int i = 0; i < n; i++) {
                assertThat(actual[v * n + i]).as("vector %d element %d", v, i).isCloseTo(vector[i], within(1e-5f));
            }
        }
    }

    @Test
    void swigluMatchesTheCpu() {
        int n = 5000;
        float[] gate = randomFloats(n);
        float[] up = randomFloats(n);
        for (int i = 0; i < n; i += 7) {
            gate[i] *= 20; // saturating the sigmoid both ways
        }
        DeviceBuffer deviceGate = upload(gate);
        kernels.swiglu(deviceGate, upload(up), n);
        float[] actual = download(deviceGate, n);
        CpuKernels.swiglu(gate, up, n);
        for (int i = 0; i < n; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(gate[i], within(3e-5f));
        }
    }

    @ParameterizedTest
    @CsvSource({"false,64,64,0,1", "false,64,64,37,1", "true,64,64,40000,1", "true,128,64,1234,0.25",
            "false,32,16,5000,1", "true,16,16,131071,1"})
    void ropeMatchesTheCpu(boolean neox, int headDim, int ropeDim, int position, float ropeScale) {
        int heads = 6;
        int kvHeads = 2;
        double[] frequencies = new double[ropeDim / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = Math.pow(500000, -2.0 * i / ropeDim);
        }
        float[] q = randomFloats(heads * headDim);
        float[] k = randomFloats(kvHeads * headDim);
        DeviceBuffer deviceQ = upload(q);
        DeviceBuffer deviceK = upload(k);
        DeviceBuffer deviceFrequencies = context.allocate((long) frequencies.length * Double.BYTES, "frequencies");
        deviceFrequencies.write(0, Pointer.to(frequencies), (long) frequencies.length * Double.BYTES);
        double scaledPosition = (double) position * ropeScale;
        kernels.rope(deviceQ, deviceK, heads, kvHeads, headDim, frequencies.length, deviceFrequencies,
                scaledPosition, neox);

        rope(q, heads, headDim, frequencies, scaledPosition, neox);
        rope(k, kvHeads, headDim, frequencies, scaledPosition, neox);
        assertClose(download(deviceQ, q.length), q, 1e-5f, "queries");
        assertClose(download(deviceK, k.length), k, 1e-5f, "keys");
    }

    /** {@code LlamaModel}'s rotation, spelled out. */
    private static void rope(float[] vectors, int heads, int headDim, double[] frequencies, double scaledPosition,
                             boolean neox) {
        int half = frequencies.length;
        for (int i = 0; i < half; i++) {
            double angle = scaledPosition * frequencies[i];
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            for (int h = 0; h < heads; h++) {
                int j = h * headDim + (neox ? i : 2 * i);
                int m = neox ? j + half : j + 1;
                float a = vectors[j];
                float b = vectors[m];
                vectors[j] = a * cos - b * sin;
                vectors[m] = a * sin + b * cos;
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"16,4,2,7", "64,8,8,300", "128,8,2,2500", "320,2,1,40", "80,6,2,1"})
    void attentionAndCacheMatchTheCpu(int headDim, int heads, int kvHeads, int entries) {
        int layers = 2;
        int capacity = entries + 3;
        int kvDim = kvHeads * headDim;
        CudaKvCache cache = new CudaKvCache(context, layers, kvHeads, headDim, capacity);
        ArrayKvCache reference = new ArrayKvCache(layers, kvHeads, headDim, capacity);
        DeviceBuffer k = floats(kvDim);
        DeviceBuffer v = floats(kvDim);
        for (int t = 0; t < entries; t++) {
            for (int layer = 0; layer < layers; layer++) {
                float[] keys = randomFloats(kvDim);
                float[] values = randomFloats(kvDim);
                int position = 10 + 2 * t;
                reference.append(layer, position, keys, values);
                // Both ways in: the forward pass's kernel, and the KvCache interface.
                if ((t + layer) % 2 == 0) {
                    k.write(0, Pointer.to(keys), (long) kvDim * Float.BYTES);
                    v.write(0, Pointer.to(values), (long) kvDim * Float.BYTES);
                    cache.appendOnDevice(kernels, layer, position, k, v);
                } else {
                    cache.append(layer, position, keys, values);
                }
            }
        }
        assertSameCache(cache, reference, 0f);
        assertAttention(cache, reference, heads, 1);

        // Drop different entries per head, so that the heads' lengths differ.
        for (int h = 0; h < kvHeads; h++) {
            int keepEvery = h + 2;
            int[] kept = IntStream.range(0, entries).filter(e -> e % keepEvery != 1).toArray();
            cache.retain(1, h, kept);
            reference.retain(1, h, kept);
        }
        assertSameCache(cache, reference, 0f);
        assertAttention(cache, reference, heads, 1);
        long keyValueBytes = 2L * layers * kvHeads * capacity * headDim * Float.BYTES;
        assertThat(cache.keyValueBytes()).isEqualTo(keyValueBytes);
        assertThat(cache.allocatedBytes()).isGreaterThan(keyValueBytes);

        cache.clear();
        assertThat(cache.length(1, 0)).isZero();
        cache.free();
    }

    private void assertAttention(CudaKvCache cache, KvCache reference, int heads, int layer) {
        int headDim = cache.headDim();
        float[] q = randomFloats(heads * headDim);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        DeviceBuffer out = floats(heads * headDim);
        DeviceBuffer scores = floats((long) heads * cache.capacity());
        kernels.attention(out, upload(q), cache, scores, layer, heads, scale);

        float[] expected = new float[heads * headDim];
        int groupSize = heads / cache.kvHeads();
        for (int h = 0; h < heads; h++) {
            int kvHead = h / groupSize;
            int n = reference.length(layer, kvHead);
            float[] weights = new float[n];
            for (int t = 0; t < n; t++) {
                weights[t] = reference.keyDot(layer, kvHead, t, q, h * headDim) * scale;
            }
            CpuKernels.softmax(weights, n);
            for (int t = 0; t < n; t++) {
                reference.addWeightedValue(layer, kvHead, t, weights[t], expected, h * headDim);
            }
        }
        assertClose(download(out, heads * headDim), expected, 1e-5f, "attention output");
    }

    private static void assertSameCache(KvCache actual, KvCache expected, float tolerance) {
        int headDim = expected.headDim();
        float[] a = new float[headDim];
        float[] e = new float[headDim];
        for (int layer = 0; layer < expected.layers(); layer++) {
            for (int h = 0; h < expected.kvHeads(); h++) {
                int n = expected.length(layer, h);
                assertThat(actual.length(layer, h)).as("length of layer %d head %d", layer, h).isEqualTo(n);
                for (int entry = 0; entry < n; entry++) {
                    String where = "layer " + layer + " head " + h + " entry " + entry;
                    assertThat(actual.position(layer, h, entry)).as("position, %s", where)
                            .isEqualTo(expected.position(layer, h, entry));
                    actual.readKey(layer, h, entry, a, 0);
                    expected.readKey(layer, h, entry, e, 0);
                    assertClose(a, e, tolerance, "key, " + where);
                    actual.readValue(layer, h, entry, a, 0);
                    expected.readValue(layer, h, entry, e, 0);
                    assertClose(a, e, tolerance, "value, " + where);
                }
            }
        }
    }

    static void assertClose(float[] actual, float[] expected, float tolerance, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
                throw new AssertionError(what + "[" + i + "] is " + actual[i] + ", expected " + expected[i]
                        + " within " + tolerance);
            }
        }
    }

    /** A generous bound on float32 summation error, from the terms' magnitudes; a wrongly decoded block is off by far more. */
    private static float tolerance(Tensor weights, int row, int cols, float[] x) {
        float[] w = new float[cols];
        weights.dequantize((long) row * cols, w, 0, cols);
        double magnitude = 0;
        for (int i = 0; i < cols; i++) {
            magnitude += Math.abs((double) w[i] * x[i]);
        }
        return (float) (5e-5 * magnitude + 1e-6);
    }

    private float[] randomFloats(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }

    private static Tensor tensor(TensorType type, float[] values) {
        return Tensor.of(type, MemorySegment.ofArray(Quantizer.quantize(type, values)), values.length);
    }

    private static DeviceTensor upload(String name, Tensor tensor) {
        DeviceBuffer buffer = context.allocate(tensor.segment().byteSize(), name);
        buffer.write(tensor.segment());
        return new DeviceTensor(name, tensor.type(), buffer);
    }

    private static DeviceBuffer upload(float[] values) {
        DeviceBuffer buffer = floats(values.length);
        buffer.write(0, Pointer.to(values), (long) values.length * Float.BYTES);
        return buffer;
    }

    private static DeviceBuffer floats(long n) {
        return context.allocate(n * Float.BYTES, "test data");
    }

    private static float[] download(DeviceBuffer buffer, int n) {
        float[] values = new float[n];
        buffer.read(0, Pointer.to(values), (long) n * Float.BYTES);
        return values;
    }
}
