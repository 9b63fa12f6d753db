package dev.sift.engine.model;

/** Which dimensions of a head RoPE rotates together, as llama.cpp's rope types define it. */
public enum RopeLayout {
    /** Adjacent pairs {@code (2i, 2i+1)}: llama.cpp's {@code LLAMA_ROPE_TYPE_NORM}, used by {@code llama}. */
    INTERLEAVED,
    /** Halves {@code (i, i + ropeDim/2)}: llama.cpp's {@code LLAMA_ROPE_TYPE_NEOX}, used by Qwen. */
    NEOX
}
