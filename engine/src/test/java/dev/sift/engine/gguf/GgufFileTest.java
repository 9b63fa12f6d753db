package dev.sift.engine.gguf;

import static dev.sift.engine.gguf.GgufValueType.ARRAY;
import static dev.sift.engine.gguf.GgufValueType.BOOL;
import static dev.sift.engine.gguf.GgufValueType.FLOAT32;
import static dev.sift.engine.gguf.GgufValueType.FLOAT64;
import static dev.sift.engine.gguf.GgufValueType.INT16;
import static dev.sift.engine.gguf.GgufValueType.INT32;
import static dev.sift.engine.gguf.GgufValueType.INT64;
import static dev.sift.engine.gguf.GgufValueType.INT8;
import static dev.sift.engine.gguf.GgufValueType.STRING;
import static dev.sift.engine.gguf.GgufValueType.UINT16;
import static dev.sift.engine.gguf.GgufValueType.UINT32;
import static dev.sift.engine.gguf.GgufValueType.UINT64;
import static dev.sift.engine.gguf.GgufValueType.UINT8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sift.engine.SharedModels;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading valid GGUF files: everything {@link GgufWriter} writes comes back exactly, and real files parse. */
class GgufFileTest {

    private record Typed(GgufValueType type, Object value) {
    }

    private record TensorSpec(String name, TensorType type, long[] shape, byte[] data) {
    }

    @TempDir
    Path dir;

    /** A value of every type (and every array element type) with its extremes, as GgufFile returns them. */
    private static Map<String, Typed> everyValueType() {
        Map<String, Typed> values = new LinkedHashMap<>();
        values.put("test.uint8", new Typed(UINT8, 255));
        values.put("test.int8", new Typed(INT8, -128));
        values.put("test.uint16", new Typed(UINT16, 65535));
        values.put("test.int16", new Typed(INT16, -32768));
        values.put("test.uint32", new Typed(UINT32, -1)); // 2^32-1, held as its bit pattern
        values.put("test.int32", new Typed(INT32, Integer.MIN_VALUE));
        values.put("test.uint64", new Typed(UINT64, -1L)); // 2^64-1
        values.put("test.int64", new Typed(INT64, Long.MIN_VALUE));
        values.put("test.float32", new Typed(FLOAT32, -0.0f));
        values.put("test.float64", new Typed(FLOAT64, Math.PI));
        values.put("test.bool", new Typed(BOOL, false));
        values.put("test.string", new Typed(STRING, "naïve café 日本語 🙂"));
        values.put("test.empty_string", new Typed(STRING, ""));
        values.put("test.ключ", new Typed(STRING, "значение"));
        values.put("test.uint8s", array(UINT8, new byte[] {0, 1, (byte) 255}));
        values.put("test.int8s", array(INT8, new byte[] {-128, 0, 127}));
        values.put("test.uint16s", array(UINT16, new short[] {0, (short) 65535}));
        values.put("test.int16s", array(INT16, new short[] {Short.MIN_VALUE, Short.MAX_VALUE}));
        values.put("test.uint32s", array(UINT32, new int[] {0, -1}));
        values.put("test.int32s", array(INT32, new int[] {Integer.MIN_VALUE, 42}));
        values.put("test.uint64s", array(UINT64, new long[] {0, -1L}));
        values.put("test.int64s", array(INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        values.put("test.float32s", array(FLOAT32,
                new float[] {1.5f, Float.NaN, Float.NEGATIVE_INFINITY, Float.MIN_VALUE}));
        values.put("test.float64s", array(FLOAT64, new double[] {-2.25, Double.MAX_VALUE}));
        values.put("test.bools", array(BOOL, new boolean[] {true, false, true}));
        values.put("test.strings", array(STRING, new String[] {"a", "", "🙂 ok"}));
        values.put("test.nested", array(ARRAY, new GgufArray[] {
                new GgufArray(INT32, new int[] {1, 2}),
                new GgufArray(STRING, new String[] {"x"}),
                new GgufArray(ARRAY, new GgufArray[] {new GgufArray(FLOAT32, new float[0])})}));
        values.put("test.empty", array(UINT8, new byte[0]));
        values.put("test.empty_nested", array(ARRAY, new GgufArray[0]));
        return values;
    }

    private static Typed array(GgufValueType elementType, Object values) {
        return new Typed(ARRAY, new GgufArray(elementType, values));
    }

    private GgufFile open(GgufWriter writer) throws IOException {
        Path path = dir.resolve("test.gguf");
        writer.write(path);
        return GgufFile.open(path);
    }

    private GgufFile openEveryValueType() throws IOException {
        GgufWriter writer = new GgufWriter();
        everyValueType().forEach((key, typed) -> writer.put(key, typed.type(), typed.value()));
        return open(writer);
    }

    @Test
    void roundTripsEveryMetadataType() throws IOException {
        Map<String, Typed> expected = everyValueType();
        try (GgufFile file = openEveryValueType()) {
            assertThat(file.version()).isEqualTo(3);
            assertThat(file.metadata().keySet()).containsExactlyElementsOf(expected.keySet());
            expected.forEach((key, typed) -> {
                assertThat(file.metadataType(key)).as(key).isEqualTo(typed.type());
                assertThat(file.metadata().get(key)).as(key).isEqualTo(typed.value());
            });
            assertThat(file.tensors()).isEmpty();
        }
    }

    @Test
    void typedGettersWidenUnsignedValuesAndRefuseWhatDoesNotFit() throws IOException {
        try (GgufFile file = openEveryValueType()) {
            assertThat(file.integer("test.uint16")).contains(65535);
            assertThat(file.integer("test.int8")).contains(-128);
            assertThat(file.real("test.uint32")).contains(4.2949673E9f);
            assertThat(file.real("test.uint64")).contains(1.8446744E19f);
            assertThat(file.real("test.float64")).contains((float) Math.PI);
            assertThat(file.bool("test.bool")).contains(false);
            assertThat(file.string("test.ключ")).contains("значение");
            assertThat(file.intArray("test.uint8s")).hasValueSatisfying(a -> assertThat(a).containsExactly(0, 1, 255));
            assertThat(file.intArray("test.int16s")).hasValueSatisfying(
                    a -> assertThat(a).containsExactly(Short.MIN_VALUE, Short.MAX_VALUE));
            assertThat(file.stringArray("test.strings")).hasValueSatisfying(
                    a -> assertThat(a).containsExactly("a", "", "🙂 ok"));
            assertThat(file.string("test.absent")).isEmpty();

            assertFormatFault(() -> file.integer("test.uint32"), "'test.uint32' value 4294967295 does not fit");
            assertFormatFault(() -> file.integer("test.uint64"),
                    "'test.uint64' value 18446744073709551615 does not fit");
            assertFormatFault(() -> file.intArray("test.uint32s"), "'test.uint32s' element 1 (4294967295)");
            assertFormatFault(() -> file.intArray("test.float32s"), "is an array of FLOAT32, expected integers");
            assertFormatFault(() -> file.string("test.uint8"), "'test.uint8' has type UINT8, expected a string");
        }
    }

    @Test
    void arrayGettersReturnCopies() throws IOException {
        try (GgufFile file = openEveryValueType()) {
            file.floatArray("test.float32s").orElseThrow()[0] = 99f;
            file.stringArray("test.strings").orElseThrow()[0] = "changed";
            assertThat(file.floatArray("test.float32s").orElseThrow()[0]).isEqualTo(1.5f);
            assertThat(file.stringArray("test.strings").orElseThrow()[0]).isEqualTo("a");
        }
    }

    @Test
    void roundTripsTensorsOfEveryType() throws IOException {
        Random random = new Random(42);
        List<TensorSpec> tensors = List.of(
                randomTensor(random, "t.f32", TensorType.F32, 4, 2),
                randomTensor(random, "t.f16", TensorType.F16, 6), // 12 bytes: padding follows
                randomTensor(random, "t.bf16", TensorType.BF16, 2, 2, 2),
                randomTensor(random, "t.q8_0", TensorType.Q8_0, 64),
                randomTensor(random, "t.q4_0", TensorType.Q4_0, 32, 1, 1, 2),
                // A type the engine cannot compute with is still read and described.
                randomTensor(random, "t.q4_k", TensorType.Q4_K, 256));
        try (GgufFile file = open(withTensors(new GgufWriter().putString("general.architecture", "test"), tensors))) {
            assertThat(file.alignment()).isEqualTo(32);
            assertTensors(file, tensors);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 64})
    void honoursCustomAlignment(int alignment) throws IOException {
        Random random = new Random(alignment);
        List<TensorSpec> tensors = List.of(
                randomTensor(random, "t.odd", TensorType.F16, 3),
                randomTensor(random, "t.f32", TensorType.F32, 5),
                randomTensor(random, "t.q8_0", TensorType.Q8_0, 32));
        try (GgufFile file = open(withTensors(new GgufWriter().putUInt32("general.alignment", alignment), tensors))) {
            assertThat(file.alignment()).isEqualTo(alignment);
            assertTensors(file, tensors);
        }
    }

    @Test
    void readsVersion2() throws IOException {
        Random random = new Random(2);
        List<TensorSpec> tensors = List.of(randomTensor(random, "t.f32", TensorType.F32, 8));
        try (GgufFile file = open(withTensors(new GgufWriter().version(2).putUInt32("test.count", 3), tensors))) {
            assertThat(file.version()).isEqualTo(2);
            assertThat(file.integer("test.count")).contains(3);
            assertTensors(file, tensors);
        }
    }

    @Test
    void parsesStories260K() throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.model("stories260K.gguf"))) {
            assertThat(file.version()).isEqualTo(3);
            assertThat(file.alignment()).isEqualTo(32);
            assertThat(file.string("general.architecture")).contains("llama");
            assertThat(file.integer("llama.embedding_length")).contains(64);
            assertThat(file.integer("llama.block_count")).contains(5);
            assertThat(file.integer("llama.attention.head_count")).contains(8);
            assertThat(file.integer("llama.attention.head_count_kv")).contains(4);
            assertThat(file.integer("llama.feed_forward_length")).contains(172);
            assertThat(file.integer("llama.context_length")).contains(2048);
            assertThat(file.real("llama.attention.layer_norm_rms_epsilon").orElseThrow()).isCloseTo(1e-5f, within(1e-9f));
            assertThat(file.integer("tokenizer.ggml.bos_token_id")).contains(1);
            assertThat(file.string("tokenizer.ggml.model")).contains("llama");
            String[] tokens = file.stringArray("tokenizer.ggml.tokens").orElseThrow();
            assertThat(tokens).hasSize(512).startsWith("<unk>", "<s>", "</s>", "<0x00>");
            assertThat(file.floatArray("tokenizer.ggml.scores").orElseThrow()).hasSize(512);
            assertThat(file.intArray("tokenizer.ggml.token_type").orElseThrow()).hasSize(512);

            List<String> expectedNames = new ArrayList<>(List.of("token_embd.weight", "output_norm.weight", "output.weight"));
            for (int layer = 0; layer < 5; layer++) {
                for (String part : List.of("attn_q", "attn_k", "attn_v", "attn_output", "attn_norm",
                        "ffn_gate", "ffn_down", "ffn_up", "ffn_norm")) {
                    expectedNames.add("blk." + layer + "." + part + ".weight");
                }
            }
            assertThat(file.tensors()).extracting(GgufTensorInfo::name).containsExactlyElementsOf(expectedNames);
            assertThat(file.tensors()).allSatisfy(t -> assertThat(t.type()).isEqualTo(TensorType.F32));
            assertThat(shape(file, "token_embd.weight")).containsExactly(64, 512);
            assertThat(shape(file, "blk.0.attn_k.weight")).containsExactly(64, 32);
            assertThat(shape(file, "blk.4.ffn_down.weight")).containsExactly(172, 64);
            assertThat(shape(file, "output_norm.weight")).containsExactly(64);
            GgufTensorInfo last = file.tensors().getLast();
            assertThat(last.dataOffset() + last.byteSize()).isEqualTo(file.size());
        }
    }

    private static long[] shape(GgufFile file, String tensor) {
        return file.tensor(tensor).orElseThrow().shape();
    }

    private static TensorSpec randomTensor(Random random, String name, TensorType type, long... shape) {
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        byte[] data = new byte[(int) type.bytesFor(elements)];
        random.nextBytes(data);
        return new TensorSpec(name, type, shape, data);
    }

    /** Adds the tensors, passing their bytes in each of the three ways the writer takes them. */
    private static GgufWriter withTensors(GgufWriter writer, List<TensorSpec> tensors) {
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            switch (i % 3) {
                case 0 -> writer.addTensor(t.name(), t.type(), t.shape(), t.data());
                case 1 -> writer.addTensor(t.name(), t.type(), t.shape(), MemorySegment.ofArray(t.data()));
                default -> writer.addTensor(t.name(), t.type(), t.shape(), out -> {
                    out.write(t.data(), 0, 1);
                    out.write(t.data(), 1, t.data().length - 1);
                });
            }
        }
        return writer;
    }

    /**
     * The tensors come back in order with their types, shapes and bytes, each starting at the first
     * aligned offset after the previous one, and the file ends at the padded end of the last.
     */
    private static void assertTensors(GgufFile file, List<TensorSpec> expected) {
        assertThat(file.tensors()).extracting(GgufTensorInfo::name)
                .containsExactlyElementsOf(expected.stream().map(TensorSpec::name).toList());
        assertThat(file.dataStart() % file.alignment()).isZero();
        long relative = 0;
        for (TensorSpec spec : expected) {
            GgufTensorInfo info = file.tensor(spec.name()).orElseThrow();
            assertThat(info.type()).isEqualTo(spec.type());
            assertThat(info.shape()).containsExactly(spec.shape());
            assertThat(info.dataOffset() - file.dataStart()).as(spec.name() + " offset").isEqualTo(relative);
            assertThat(file.data(info).toArray(ValueLayout.JAVA_BYTE)).as(spec.name()).isEqualTo(spec.data());
            relative = Math.ceilDiv(relative + spec.data().length, file.alignment()) * file.alignment();
        }
        assertThat(file.size()).isEqualTo(file.dataStart() + relative);
    }

    private static void assertFormatFault(Runnable read, String message) {
        assertThatThrownBy(read::run).isInstanceOf(GgufFormatException.class).hasMessageContaining(message);
    }
}
