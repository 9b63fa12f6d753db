// Normalisation and the feed-forward activation.
#include "common.cuh"

// RMSNorm of gridDim.x consecutive vectors of n floats, all with the same weight:
//     out = x / sqrt(mean(x^2) + eps) * weight
// One block per vector: grid 1 for the hidden state, grid = heads for Qwen3's per-head query/key
// norm. out may equal x. The scale is computed as the CPU does it (1 / sqrt, not rsqrt).
extern "C" __global__ void rms_norm(float* out, const float* x, const float* weight, int n, float eps) {
    __shared__ float scratch[WARP_SIZE];
    x += (size_t) blockIdx.x * n;
    out += (size_t) blockIdx.x * n;
    float sumOfSquares = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        sumOfSquares += x[i] * x[i];
    }
    // Every read of x happens before the barriers in block_sum, so writing in place is safe.
    sumOfSquares = block_sum(sumOfSquares, scratch);
    const float scale = 1.0f / sqrtf(sumOfSquares / n + eps);
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        out[i] = x[i] * scale * weight[i];
    }
}

// SwiGLU: gate[i] = silu(gate[i]) * up[i].
extern "C" __global__ void swiglu(float* gate, const float* up, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        const float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}
