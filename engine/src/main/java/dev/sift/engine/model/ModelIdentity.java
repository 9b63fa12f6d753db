package dev.sift.engine.model;

import dev.sift.engine.gguf.GgufFile;
import dev.sift.engine.gguf.GgufTensorInfo;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Which model a calibrated artefact (an SRH profile) belongs to: the shape attention has, and a hash
 * of the weights that tells two models of the same shape apart.
 *
 * <p>The hash is SHA-256 over every tensor's name, type and shape and the first
 * {@value #SAMPLED_BYTES} bytes of its data. Reading a few bytes per tensor keeps it instant on a
 * multi-gigabyte file while still telling fine-tunes apart; a different quantization of the same
 * model is a different model too, since its weights differ.
 *
 * @param name         a name for messages: {@code general.name}, else the file name (not compared)
 * @param architecture {@code general.architecture}
 * @param layers       transformer blocks
 * @param heads        query heads per layer
 * @param kvHeads      key/value heads per layer
 * @param headDim      length of one head vector
 * @param tensorHash   the hex SHA-256 described above
 */
public record ModelIdentity(String name, String architecture, int layers, int heads, int kvHeads, int headDim,
                            String tensorHash) {

    /** Bytes of each tensor's data that go into the hash. */
    static final int SAMPLED_BYTES = 256;

    /** The identity of a model file. */
    public static ModelIdentity of(GgufFile file, ModelConfig config) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        ByteBuffer numbers = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (GgufTensorInfo tensor : file.tensors()) {
            sha256.update(tensor.name().getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) 0);
            sha256.update(tensor.type().name().getBytes(StandardCharsets.UTF_8));
            for (long dim : tensor.shape()) {
                sha256.update(numbers.clear().putLong(dim).array());
            }
            long sampled = Math.min(SAMPLED_BYTES, tensor.byteSize());
            sha256.update(file.data(tensor).asSlice(0, sampled).toArray(ValueLayout.JAVA_BYTE));
        }
        String name = file.string("general.name").orElse(file.path().getFileName().toString());
        return new ModelIdentity(name, config.architecture(), config.layers(), config.heads(), config.kvHeads(),
                config.headDim(), HexFormat.of().formatHex(sha256.digest()));
    }

    /** Whether {@code other} is the same model: everything but the name is equal. */
    public boolean sameModel(ModelIdentity other) {
        return architecture.equals(other.architecture) && layers == other.layers && heads == other.heads
                && kvHeads == other.kvHeads && headDim == other.headDim && tensorHash.equals(other.tensorHash);
    }

    /** E.g. {@code stories260K (llama, 5 layers, 8 query / 4 KV heads of 8, tensors 3f2a9c0d1b7e)}. */
    @Override
    public String toString() {
        return name + " (" + architecture + ", " + layers + " layers, " + heads + " query / " + kvHeads + " KV heads of "
                + headDim + ", tensors " + tensorHash.substring(0, Math.min(12, tensorHash.length())) + ")";
    }
}
