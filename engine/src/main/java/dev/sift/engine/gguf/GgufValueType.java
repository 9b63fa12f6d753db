package dev.sift.engine.gguf;

/** The metadata value types of the GGUF format, with their on-disk type ids. */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int minimumBytes;

    GgufValueType(int id, int minimumBytes) {
        this.id = id;
        this.minimumBytes = minimumBytes;
    }

    /** The type id written in the file. */
    public int id() {
        return id;
    }

    /**
     * The fewest bytes one value of this type occupies on disk (a string's length prefix, an array's
     * element type and count). Used to reject declared counts that cannot fit in the file.
     */
    int minimumBytes() {
        return minimumBytes;
    }

    static GgufValueType fromId(int id) {
        for (GgufValueType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        return null;
    }
}
