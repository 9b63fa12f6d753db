package dev.sift.engine.kv;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sift.engine.model.ModelIdentity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * What {@code sift calibrate} learns about one model for SRH compression ({@link CompressionMethodKind#SRH}):
 * per layer, every query head ranked by its semantic retrieval score, and the layer's share of the
 * eviction error that sets its budget. Stored as versioned JSON ({@value #FORMAT}, version
 * {@value #VERSION}) and refused for any other model ({@link #requireModel}).
 *
 * @param model       the model it was calibrated on
 * @param topHeads    retrieval heads per layer that choose the tokens (the paper: 4)
 * @param layers      one entry per layer, in order
 * @param calibration how it was measured
 */
public record SrhProfile(ModelIdentity model, int topHeads, List<Layer> layers, Calibration calibration) {

    /** The {@code format} field of every profile. */
    public static final String FORMAT = "sift-srh-profile";
    /** The version this engine writes and reads. */
    public static final int VERSION = 1;
    /** Prefix of a location read from the classpath, as in Spring. */
    public static final String CLASSPATH = "classpath:";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One layer.
     *
     * @param heads every query head once, best retrieval score first
     * @param error the layer's share of the eviction error (the layers' shares sum to 1)
     */
    public record Layer(List<HeadScore> heads, double error) {

        public Layer {
            heads = List.copyOf(heads);
        }
    }

    /**
     * A query head and its retrieval score: the mean, over the calibration runs that retrieved their
     * needle, of the score summed over a run's decoding steps.
     */
    public record HeadScore(int head, double score) {
    }

    /**
     * The settings a profile was calibrated with, kept so that it can be reproduced.
     *
     * @param score         {@code semantic} (SRH) or {@code copy} (classic retrieval heads)
     * @param needles       the needle sentences
     * @param lengths       haystack lengths in tokens
     * @param depths        needle depths in percent
     * @param runs          needle runs made (needles × lengths × depths)
     * @param retrieved     runs whose answer passed the recall threshold, the only ones scored
     * @param minRecall     the ROUGE-1 recall a run's answer had to exceed
     * @param probeBudget   budget of the SRH-selected cache the eviction error was measured at
     * @param probeTokens   decoding steps measured per run
     * @param sinks         attention sinks kept while probing
     * @param window        observation window while probing
     * @param pooling       pooling of window scores while probing
     * @param poolingKernel its kernel
     */
    public record Calibration(String score, List<String> needles, List<Integer> lengths, List<Integer> depths,
                              int runs, int retrieved, double minRecall, int probeBudget, int probeTokens, int sinks,
                              int window, String pooling, int poolingKernel) {

        public Calibration {
            needles = List.copyOf(needles);
            lengths = List.copyOf(lengths);
            depths = List.copyOf(depths);
        }
    }

    /**
     * @throws IllegalArgumentException if the layers do not match the model, a layer does not rank
     *                                  every query head exactly once, or the errors are not a usable
     *                                  distribution
     */
    public SrhProfile {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(calibration, "calibration");
        layers = List.copyOf(layers);
        if (topHeads < 1 || topHeads > model.heads()) {
            throw new IllegalArgumentException("top heads must be between 1 and the " + model.heads()
                    + " query heads, got " + topHeads);
        }
        if (layers.size() != model.layers()) {
            throw new IllegalArgumentException("the profile has " + layers.size() + " layers, the model "
                    + model.layers());
        }
        double errorSum = 0;
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            int[] heads = layer.heads().stream().mapToInt(HeadScore::head).sorted().toArray();
            if (!Arrays.equals(heads, IntStream.range(0, model.heads()).toArray())) {
                throw new IllegalArgumentException("layer " + l + " must rank each of the " + model.heads()
                        + " query heads once, got heads " + Arrays.toString(heads));
            }
            if (!(layer.error() >= 0) || Double.isInfinite(layer.error())) {
                throw new IllegalArgumentException("layer " + l + " has error " + layer.error()
                        + "; errors are shares, 0 or more");
            }
            errorSum += layer.error();
        }
        if (!(errorSum > 0)) {
            throw new IllegalArgumentException("the layer errors sum to " + errorSum + "; they must be shares summing to 1");
        }
    }

    /** The {@link #topHeads} retrieval heads of a layer, best first. */
    public int[] retrievalHeads(int layer) {
        return layers.get(layer).heads().stream().limit(topHeads).mapToInt(HeadScore::head).toArray();
    }

    /** Each layer's share of the eviction error. */
    public double[] layerErrors() {
        return layers.stream().mapToDouble(Layer::error).toArray();
    }

    /**
     * Checks that this profile was calibrated on {@code actual}.
     *
     * @throws IllegalArgumentException naming both models if it was not
     */
    public void requireModel(ModelIdentity actual) {
        if (!model.sameModel(actual)) {
            throw new IllegalArgumentException("the SRH profile was calibrated on " + model + ", not on this model, "
                    + actual + "; run 'sift calibrate' on this model to make its profile");
        }
    }

    /**
     * Reads a profile from a file path, or from the classpath with {@code classpath:path/in/jar.json}.
     *
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException if no such classpath resource exists, or the profile is malformed
     */
    public static SrhProfile load(String location) throws IOException {
        if (location.startsWith(CLASSPATH)) {
            String resource = location.substring(CLASSPATH.length()).replaceFirst("^/+", "");
            ClassLoader loader = Objects.requireNonNullElse(Thread.currentThread().getContextClassLoader(),
                    SrhProfile.class.getClassLoader());
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("no SRH profile on the classpath at " + resource);
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), location);
            }
        }
        return parse(Files.readString(Path.of(location)), location);
    }

    /**
     * Reads a profile from JSON text.
     *
     * @param source where the text came from, for messages
     * @throws IllegalArgumentException naming the source and the field at fault
     */
    public static SrhProfile parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("SRH profile " + source + " is not JSON: " + e.getOriginalMessage());
        }
        Reader in = new Reader(source);
        if (!FORMAT.equals(in.text(root, "format"))) {
            throw new IllegalArgumentException("SRH profile " + source + ": 'format' is '" + root.path("format").asText()
                    + "', expected '" + FORMAT + "'");
        }
        int version = in.integer(root, "version");
        if (version != VERSION) {
            throw new IllegalArgumentException("SRH profile " + source + " has version " + version
                    + ", this Sift reads version " + VERSION + "; calibrate again");
        }
        JsonNode m = in.object(root, "model");
        ModelIdentity model = new ModelIdentity(in.text(m, "name"), in.text(m, "architecture"), in.integer(m, "layers"),
                in.integer(m, "heads"), in.integer(m, "kvHeads"), in.integer(m, "headDim"), in.text(m, "tensorHash"));
        List<Layer> layers = new ArrayList<>();
        for (JsonNode layer : in.array(root, "layers")) {
            List<HeadScore> heads = new ArrayList<>();
            for (JsonNode head : in.array(layer, "heads")) {
                heads.add(new HeadScore(in.integer(head, "head"), in.number(head, "score")));
            }
            layers.add(new Layer(heads, in.number(layer, "error")));
        }
        JsonNode c = in.object(root, "calibration");
        Calibration calibration = new Calibration(in.text(c, "score"), in.texts(c, "needles"), in.integers(c, "lengths"),
                in.integers(c, "depths"), in.integer(c, "runs"), in.integer(c, "retrieved"), in.number(c, "minRecall"),
                in.integer(c, "probeBudget"), in.integer(c, "probeTokens"), in.integer(c, "sinks"), in.integer(c, "window"),
                in.text(c, "pooling"), in.integer(c, "poolingKernel"));
        int topHeads = in.integer(root, "topHeads");
        try {
            return new SrhProfile(model, topHeads, layers, calibration);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SRH profile " + source + ": " + e.getMessage(), e);
        }
    }

    /** The profile as JSON, as {@link #parse} reads it. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        ObjectNode m = root.putObject("model");
        m.put("name", model.name());
        m.put("architecture", model.architecture());
        m.put("layers", model.layers());
        m.put("heads", model.heads());
        m.put("kvHeads", model.kvHeads());
        m.put("headDim", model.headDim());
        m.put("tensorHash", model.tensorHash());
        root.put("topHeads", topHeads);
        ArrayNode layerNodes = root.putArray("layers");
        for (int l = 0; l < layers.size(); l++) {
            ObjectNode layer = layerNodes.addObject();
            layer.put("layer", l);
            layer.put("error", layers.get(l).error());
            ArrayNode heads = layer.putArray("heads");
            for (HeadScore head : layers.get(l).heads()) {
                heads.addObject().put("head", head.head()).put("score", head.score());
            }
        }
        ObjectNode c = root.putObject("calibration");
        c.put("score", calibration.score());
        calibration.needles().forEach(c.putArray("needles")::add);
        calibration.lengths().forEach(c.putArray("lengths")::add);
        calibration.depths().forEach(c.putArray("depths")::add);
        c.put("runs", calibration.runs());
        c.put("retrieved", calibration.retrieved());
        c.put("minRecall", calibration.minRecall());
        c.put("probeBudget", calibration.probeBudget());
        c.put("probeTokens", calibration.probeTokens());
        c.put("sinks", calibration.sinks());
        c.put("window", calibration.window());
        c.put("pooling", calibration.pooling());
        c.put("poolingKernel", calibration.poolingKernel());
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the profile as JSON", e);
        }
    }

    /** Writes {@link #toJson} to a file. */
    public void write(Path file) throws IOException {
        Files.writeString(file, toJson());
    }

    /** Reads typed fields, naming the source and the field when one is missing or of the wrong type. */
    private record Reader(String source) {

        JsonNode field(JsonNode node, String name, boolean ok, String expected) {
            if (!ok) {
                throw new IllegalArgumentException("SRH profile " + source + ": field '" + name + "' must be " + expected
                        + (node.has(name) ? ", got " + node.get(name) : " and is missing"));
            }
            return node.get(name);
        }

        String text(JsonNode node, String name) {
            return field(node, name, node.path(name).isTextual(), "text").asText();
        }

        int integer(JsonNode node, String name) {
            return field(node, name, node.path(name).canConvertToInt() && node.path(name).isIntegralNumber(), "an integer")
                    .asInt();
        }

        double number(JsonNode node, String name) {
            return field(node, name, node.path(name).isNumber(), "a number").asDouble();
        }

        JsonNode object(JsonNode node, String name) {
            return field(node, name, node.path(name).isObject(), "an object");
        }

        JsonNode array(JsonNode node, String name) {
            return field(node, name, node.path(name).isArray(), "an array");
        }

        List<String> texts(JsonNode node, String name) {
            List<String> values = new ArrayList<>();
            for (JsonNode value : array(node, name)) {
                if (!value.isTextual()) {
                    throw new IllegalArgumentException("SRH profile " + source + ": '" + name + "' must hold text, got " + value);
                }
                values.add(value.asText());
            }
            return values;
        }

        List<Integer> integers(JsonNode node, String name) {
            List<Integer> values = new ArrayList<>();
            for (JsonNode value : array(node, name)) {
                if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                    throw new IllegalArgumentException("SRH profile " + source + ": '" + name + "' must hold integers, got "
                            + value);
                }
                values.add(value.asInt());
            }
            return values;
        }
    }
}
