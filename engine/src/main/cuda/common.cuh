// Helpers shared by Sift's kernels: number formats and warp/block reductions.
//
// Every kernel computes in float32, as the CPU backend does, so that both agree up to summation
// order. Reductions therefore use plain IEEE arithmetic (the PTX is built without --use_fast_math).
#pragma once

#include <cuda_fp16.h>

#define WARP_SIZE 32
#define FULL_MASK 0xffffffffu

__device__ __forceinline__ float f16_to_f32(unsigned short bits) {
    return __half2float(__ushort_as_half(bits));
}

// bfloat16 is the upper half of a float32.
__device__ __forceinline__ float bf16_to_f32(unsigned short bits) {
    return __uint_as_float((unsigned int) bits << 16);
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = WARP_SIZE / 2; offset > 0; offset /= 2) {
        v += __shfl_xor_sync(FULL_MASK, v, offset);
    }
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int offset = WARP_SIZE / 2; offset > 0; offset /= 2) {
        v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, offset));
    }
    return v;
}

// Sum over the whole block, returned to every thread. blockDim.x must be a multiple of 32 and at
// most 1024; scratch holds 32 floats of shared memory. The leading barrier lets callers reuse
// scratch for consecutive reductions.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    v = warp_sum(v);
    __syncthreads();
    if (threadIdx.x % WARP_SIZE == 0) {
        scratch[threadIdx.x / WARP_SIZE] = v;
    }
    __syncthreads();
    const int lane = threadIdx.x % WARP_SIZE;
    return warp_sum(lane < blockDim.x / WARP_SIZE ? scratch[lane] : 0.0f);
}

// Maximum over the whole block; same contract as block_sum.
__device__ __forceinline__ float block_max(float v, float* scratch) {
    v = warp_max(v);
    __syncthreads();
    if (threadIdx.x % WARP_SIZE == 0) {
        scratch[threadIdx.x / WARP_SIZE] = v;
    }
    __syncthreads();
    const int lane = threadIdx.x % WARP_SIZE;
    return warp_max(lane < blockDim.x / WARP_SIZE ? scratch[lane] : -INFINITY);
}
