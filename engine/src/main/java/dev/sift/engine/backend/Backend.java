package dev.sift.engine.backend;

/** Where a model's math runs. */
public enum Backend {
    /** CUDA when a usable NVIDIA GPU and driver are found, else the CPU. */
    AUTO,
    /** The CPU: Vector API kernels on a pool of worker threads. */
    CPU,
    /** An NVIDIA GPU through CUDA; loading fails, naming the reason, when none is usable. */
    CUDA
}
