// Matrix-vector products and embedding lookups on weights in ggml's block formats, read exactly as
// they are stored in the GGUF file (row-major, a row of `cols` elements per output element).
//
// matvec_<type>(out, w, x, addend, rows, cols):
//     out[r] = dot(w[r, :], x) (+ addend[r] when addend is not null)
//   One warp per row, blockDim.x / 32 rows per block. The optional addend fuses the Qwen2 bias and
//   the residual connection into the product, saving a launch and a pass over the vector; out may
//   be the addend itself (x += W·h), but never x.
//
// embedding_<type>(out, w, token, cols):
//     out[i] = w[token, i], dequantized; one thread per element.
#include "common.cuh"

// Q8_0: 34-byte blocks of an f16 scale d and 32 int8 quants; element j = d * q[j].
#define Q8_0_BYTES 34
// Q4_0: 18-byte blocks of an f16 scale d and 16 bytes; byte j holds element j in its low nibble and
// element j + 16 in its high nibble; element = d * (nibble - 8).
#define Q4_0_BYTES 18
#define QK 32

// Dense formats: load one element, or four consecutive ones (an aligned 8- or 16-byte load).
struct F32 {
    static __device__ __forceinline__ float load(const void* w, size_t i) {
        return ((const float*) w)[i];
    }
    static __device__ __forceinline__ float4 load4(const void* w, size_t i) {
        return *(const float4*) ((const float*) w + i);
    }
};

struct F16 {
    static __device__ __forceinline__ float load(const void* w, size_t i) {
        return f16_to_f32(((const unsigned short*) w)[i]);
    }
    static __device__ __forceinline__ float4 load4(const void* w, size_t i) {
        const uint2 raw = *(const uint2*) ((const unsigned short*) w + i);
        return make_float4(f16_to_f32(raw.x & 0xffff), f16_to_f32(raw.x >> 16),
                           f16_to_f32(raw.y & 0xffff), f16_to_f32(raw.y >> 16));
    }
};

struct BF16 {
    static __device__ __forceinline__ float load(const void* w, size_t i) {
        return bf16_to_f32(((const unsigned short*) w)[i]);
    }
    static __device__ __forceinline__ float4 load4(const void* w, size_t i) {
        const uint2 raw = *(const uint2*) ((const unsigned short*) w + i);
        return make_float4(bf16_to_f32(raw.x & 0xffff), bf16_to_f32(raw.x >> 16),
                           bf16_to_f32(raw.y & 0xffff), bf16_to_f32(raw.y >> 16));
    }
};

__device__ __forceinline__ void store_row(float* out, const float* addend, int row, float sum) {
    if (threadIdx.x % WARP_SIZE == 0) {
        out[row] = addend != nullptr ? addend[row] + sum : sum;
    }
}

template <class Format>
__device__ __forceinline__ void matvec_dense(float* out, const void* w, const float* x, const float* addend,
                                             int rows, int cols) {
    const int row = blockIdx.x * (blockDim.x / WARP_SIZE) + threadIdx.x / WARP_SIZE;
    const int lane = threadIdx.x % WARP_SIZE;
    if (row >= rows) {
        return;  // the whole warp leaves together, so the shuffles below stay convergent
    }
    const size_t base = (size_t) row * cols;
    float sum = 0.0f;
    if (cols % 4 == 0) {
        // Each lane reads 4 consecutive elements, the warp 128: wide, coalesced loads. Rows start
        // at a multiple of 4 elements here, so the vector loads are aligned.
        for (int i = 4 * lane; i < cols; i += 4 * WARP_SIZE) {
            const float4 a = Format::load4(w, base + i);
            const float4 b = *(const float4*) (x + i);
            sum += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
        }
    } else {
        for (int i = lane; i < cols; i += WARP_SIZE) {
            sum += Format::load(w, base + i) * x[i];
        }
    }
    store_row(out, addend, row, warp_sum(sum));
}

// Quantized rows: 8 lanes share a block (so a warp covers 4 consecutive blocks per step) and each
// lane takes 4 of its elements with 16-bit loads, the widest the 2-byte block alignment allows.
extern "C" __global__ void matvec_q8_0(float* out, const void* w, const float* x, const float* addend,
                                       int rows, int cols) {
    const int row = blockIdx.x * (blockDim.x / WARP_SIZE) + threadIdx.x / WARP_SIZE;
    const int lane = threadIdx.x % WARP_SIZE;
    if (row >= rows) {
        return;
    }
    const int blocks = cols / QK;
    const unsigned char* rowData = (const unsigned char*) w + (size_t) row * blocks * Q8_0_BYTES;
    const int part = lane % 8;
    float sum = 0.0f;
    for (int b = lane / 8; b < blocks; b += 4) {
        const unsigned char* block = rowData + (size_t) b * Q8_0_BYTES;
        const float d = f16_to_f32(*(const unsigned short*) block);
        const unsigned short* quants = (const unsigned short*) (block + 2) + 2 * part;
        const unsigned short q01 = quants[0];
        const unsigned short q23 = quants[1];
        const float4 xv = *(const float4*) (x + b * QK + 4 * part);
        const float partial = (float) (signed char) (q01 & 0xff) * xv.x + (float) (signed char) (q01 >> 8) * xv.y
                            + (float) (signed char) (q23 & 0xff) * xv.z + (float) (signed char) (q23 >> 8) * xv.w;
        sum += d * partial;
    }
    store_row(out, addend, row, warp_sum(sum));
}

extern "C" __global__ void matvec_q4_0(float* out, const void* w, const float* x, const float* addend,
                                       int rows, int cols) {
    const int row = blockIdx.x * (blockDim.x / WARP_SIZE) + threadIdx.x / WARP_SIZE;
    const int lane = threadIdx.x % WARP_SIZE;
    if (row >= rows) {
        return;
    }
    const int blocks = cols / QK;
    const unsigned char* rowData = (const unsigned char*) w + (size_t) row * blocks * Q4_0_BYTES;
    const int part = lane % 8;
    float sum = 0.0f;
    for (int b = lane / 8; b < blocks; b += 4) {
        const unsigned char* block = rowData + (size_t) b * Q4_0_BYTES;
        const float d = f16_to_f32(*(const unsigned short*) block);
        // Bytes 2*part and 2*part+1: elements 2*part, 2*part+1 (low nibbles) and 16 more (high).
        const unsigned short packed = *((const unsigned short*) (block + 2) + part);
        const int b0 = packed & 0xff;
        const int b1 = packed >> 8;
        const float2 low = *(const float2*) (x + b * QK + 2 * part);
        const float2 high = *(const float2*) (x + b * QK + QK / 2 + 2 * part);
        const float partial = (float) ((b0 & 0xf) - 8) * low.x + (float) ((b1 & 0xf) - 8) * low.y
                            + (float) ((b0 >> 4) - 8) * high.x + (float) ((b1 >> 4) - 8) * high.y;
        sum += d * partial;
    }
    store_row(out, addend, row, warp_sum(sum));
}

extern "C" __global__ void matvec_f32(float* out, const void* w, const float* x, const float* addend,
                                      int rows, int cols) {
    matvec_dense<F32>(out, w, x, addend, rows, cols);
}

extern "C" __global__ void matvec_f16(float* out, const void* w, const float* x, const float* addend,
                                      int rows, int cols) {
    matvec_dense<F16>(out, w, x, addend, rows, cols);
}

extern "C" __global__ void matvec_bf16(float* out, const void* w, const float* x, const float* addend,
                                       int rows, int cols) {
    matvec_dense<BF16>(out, w, x, addend, rows, cols);
}

template <class Format>
__device__ __forceinline__ void embedding_dense(float* out, const void* w, int token, int cols) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < cols) {
        out[i] = Format::load(w, (size_t) token * cols + i);
    }
}

extern "C" __global__ void embedding_f32(float* out, const void* w, int token, int cols) {
    embedding_dense<F32>(out, w, token, cols);
}

extern "C" __global__ void embedding_f16(float* out, const void* w, int token, int cols) {
    embedding_dense<F16>(out, w, token, cols);
}

extern "C" __global__ void embedding_bf16(float* out, const void* w, int token, int cols) {
    embedding_dense<BF16>(out, w, token, cols);
}

extern "C" __global__ void embedding_q8_0(float* out, const void* w, int token, int cols) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= cols) {
        return;
    }
    const unsigned char* block = (const unsigned char*) w + ((size_t) token * (cols / QK) + i / QK) * Q8_0_BYTES;
    out[i] = f16_to_f32(*(const unsigned short*) block) * (float) (signed char) block[2 + i % QK];
}

extern "C" __global__ void embedding_q4_0(float* out, const void* w, int token, int cols) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= cols) {
        return;
    }
    const unsigned char* block = (const unsigned char*) w + ((size_t) token * (cols / QK) + i / QK) * Q4_0_BYTES;
    const int j = i % QK;
    const int packed = block[2 + j % (QK / 2)];
    const int nibble = j < QK / 2 ? packed & 0xf : packed >> 4;
    out[i] = f16_to_f32(*(const unsigned short*) block) * (float) (nibble - 8);
}
