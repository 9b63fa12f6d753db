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
// Q4_1: 20-byte blocks of an f16 scale d, an f16 minimum m and 16 bytes of nibbles laid out as in
// Q4_0; element = nibble * d + m.
#define Q4_1_BYTES 20
// Q5_0: 22-byte blocks of an f16 scale d, a little-endian 32-bit word qh (bit j: the fifth bit of
// element j) and 16 bytes of low nibbles as in Q4_0; element = d * (q - 16).
#define Q5_0_BYTES 22
// Q5_1: 24-byte blocks of d, m (f16), qh (32 bits) and 16 bytes of low nibbles; element = q * d + m.
#define Q5_1_BYTES 24
// K-quants: super-blocks of 256 elements.
#define QK_K 256
// Q4_K: 144 bytes: f16 d, f16 dmin, 12 bytes of packed 6-bit scales and minimums (see
// scale_min_k4), 128 bytes qs. Byte l of chunk c's 32 bytes (c = 0..3) holds element 64c + l
// (sub-block 2c) in its low nibble and 64c + 32 + l (sub-block 2c + 1) in its high nibble; an
// element of sub-block s is d * sc[s] * q - dmin * m[s].
#define Q4_K_BYTES 144
// Q5_K: as Q4_K with 32 bytes qh of fifth bits between the scales and qs (176 bytes); bit s of
// qh[l] is the fifth bit of element l of sub-block s.
#define Q5_K_BYTES 176
// Q6_K: 210 bytes: 128 bytes ql, 64 bytes qh, 16 int8 sub-block scales (one per 16 elements), f16 d.
// Half h (128 elements) uses ql[64h ..] and qh[32h ..]: for l < 32, its elements l, l + 32, l + 64,
// l + 96 take their low 4 bits from the low nibble of ql[l], of ql[l + 32], the high nibble of ql[l]
// and of ql[l + 32], and their top 2 bits from bits 0-1, 2-3, 4-5, 6-7 of qh[l]; element i with
// quant q is d * sc[i / 16] * (q - 32).
#define Q6_K_BYTES 210

// Dequantization with explicit rounding (no fused multiply-add), so that the embedding kernels
// produce exactly the CPU decoders' floats.
__device__ __forceinline__ float mul(float a, float b) {
    return __fmul_rn(a, b);
}

__device__ __forceinline__ unsigned short load_u16(const unsigned char* p) {
    return *(const unsigned short*) p;
}

// The 5-bit-format word qh from two 16-bit loads (Q5_0's blocks are only 2-byte aligned).
__device__ __forceinline__ unsigned int load_qh(const unsigned char* p) {
    return (unsigned int) load_u16(p) | (unsigned int) load_u16(p + 2) << 16;
}

// The 6-bit scale and minimum of sub-block j of a Q4_K/Q5_K block's 12 scale bytes (ggml's
// get_scale_min_k4).
__device__ __forceinline__ void scale_min_k4(const unsigned char* q, int j, int* scale, int* min) {
    if (j < 4) {
        *scale = q[j] & 63;
        *min = q[j + 4] & 63;
    } else {
        *scale = (q[j + 4] & 0xf) | (q[j - 4] >> 6) << 4;
        *min = (q[j + 4] >> 4) | (q[j] >> 6) << 4;
    }
}

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

// Q4_1, Q5_0, Q5_1: as matvec_q4_0, 8 lanes a block, each lane two bytes of nibbles (4 elements).
// Formats with a minimum add m * sum(x) per block, as the CPU does.
template <int BYTES, int QS, bool FIFTH, bool MIN>
__device__ __forceinline__ void matvec_32(float* out, const void* w, const float* x, const float* addend,
                                          int rows, int cols) {
    const int row = blockIdx.x * (blockDim.x / WARP_SIZE) + threadIdx.x / WARP_SIZE;
    const int lane = threadIdx.x % WARP_SIZE;
    if (row >= rows) {
        return;
    }
    const int blocks = cols / QK;
    const unsigned char* rowData = (const unsigned char*) w + (size_t) row * blocks * BYTES;
    const int part = lane % 8;
    float sum = 0.0f;
    for (int b = lane / 8; b < blocks; b += 4) {
        const unsigned char* block = rowData + (size_t) b * BYTES;
        const float d = f16_to_f32(load_u16(block));
        const unsigned short packed = load_u16(block + QS + 2 * part);
        int q0 = packed & 0xf;
        int q1 = (packed >> 8) & 0xf;
        int q2 = (packed >> 4) & 0xf;
        int q3 = packed >> 12;
        if (FIFTH) {
            const unsigned int qh = load_qh(block + (MIN ? 4 : 2));
            const int j = 2 * part;
            q0 |= ((qh >> j) & 1) << 4;
            q1 |= ((qh >> (j + 1)) & 1) << 4;
            q2 |= ((qh >> (j + 16)) & 1) << 4;
            q3 |= ((qh >> (j + 17)) & 1) << 4;
        }
        const int offset = MIN ? 0 : (FIFTH ? 16 : 8);
        const float2 low = *(const float2*) (x + b * QK + 2 * part);
        const float2 high = *(const float2*) (x + b * QK + QK / 2 + 2 * part);
        const float quants = (float) (q0 - offset) * low.x + (float) (q1 - offset) * low.y
                           + (float) (q2 - offset) * high.x + (float) (q3 - offset) * high.y;
        sum += d * quants;
        if (MIN) {
            sum += f16_to_f32(load_u16(block + 2)) * (low.x + low.y + high.x + high.y);
        }
    }
    store_row(out, addend, row, warp_sum(sum));
}

extern "C" __global__ void matvec_q4_1(float* out, const void* w, const float* x, const float* addend,
                                       int rows, int cols) {
    matvec_32<Q4_1_BYTES, 4, false, true>(out, w, x, addend, rows, cols);
}

extern "C" __global__ void matvec_q5_0(float* out, const void* w, const float* x, const float* addend,
                                       int rows, int cols) {
    matvec_32<Q5_0_BYTES, 6, true, false>(out, w, x, addend, rows, cols);
}

extern "C" __global__ void matvec_q5_1(float* out, const void* w, const float* x, const float* addend,
                                       int rows, int cols) {
    matvec_32<Q5_1_BYTES, 8, true, true>(out, w, x, addend, rows, cols);
}

// Q4_K and Q5_K: the warp takes one super-block at a time; lane t reads 4 bytes of chunk t / 8's
// quants (elements 4(t % 8) .. +3 of sub-blocks 2c and 2c + 1) with one aligned 32-bit load (both
// block sizes are multiples of 16 bytes).
template <bool FIFTH>
__device__ __forceinline__ void matvec_scale_min(float* out, const void* w, const float* x, const float* addend,
                                                 int rows, int cols) {
    const int row = blockIdx.x * (blockDim.x / WARP_SIZE) + threadIdx.x / WARP_SIZE;
    const int lane = threadIdx.x % WARP_SIZE;
    if (row >= rows) {
        return;
    }
    const int bytes = FIFTH ? Q5_K_BYTES : Q4_K_BYTES;
    const int qsOffset = FIFTH ? 48 : 16;
    const int blocks = cols / QK_K;
    const unsigned char* rowData = (const unsigned char*) w + (size_t) row * blocks * bytes;
    const int c = lane / 8;
    const int l = 4 * (lane % 8);
    int scLow, mLow, scHigh, mHigh;
    float sum = 0.0f;
    for (int b = 0; b < blocks; b++) {
        const unsigned char* block = rowData + (size_t) b * bytes;
        const float d = f16_to_f32(load_u16(block));
        const float dmin = f16_to_f32(load_u16(block + 2));
        scale_min_k4(block + 4, 2 * c, &scLow, &mLow);
        scale_min_k4(block + 4, 2 * c + 1, &scHigh, &mHigh);
        const unsigned int qs = *(const unsigned int*) (block + qsOffset + 32 * c + l);
        const unsigned int qh = FIFTH ? *(const unsigned int*) (block + 16 + l) : 0u;
        const float4 xl = *(const float4*) (x + b * QK_K + 64 * c + l);
        const float4 xh = *(const float4*) (x + b * QK_K + 64 * c + 32 + l);
        float lowQuants = 0.0f, highQuants = 0.0f;
        const float xlv[4] = {xl.x, xl.y, xl.z, xl.w};
        const float xhv[4] = {xh.x, xh.y, xh.z, xh.w};
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int byte = (qs >> (8 * i)) & 0xff;
            const int fifth = FIFTH ? (int) ((qh >> (8 * i)) & 0xff) >> (2 * c) : 0;
            lowQuants += (float) ((byte & 0xf) | (fifth & 1) << 4) * xlv[i];
            highQuants += (float) ((byte >> 4) | (fifth & 2) << 3) * xhv[i];
        }
        const float lowInputs = (xl.x + xl.y) + (xl.z + xl.w);
        const float highInputs = (xh.x + xh.y) + (xh.z + xh.w);
        sum += d * (float) scLow * lowQuants - dmin * (float) mLow * lowInputs
             + d * (float) scHigh * highQuants - dmin * (float) mHigh * highInputs;
    }
    store_row(out, addend, row, warp_sum(sum));
}

extern "C" __global__ void matvec_q4_k(float* out, const void* w, const float* x, const float* addend,
                                       int rows, int cols) {
    matvec_scale_min<false>(out, w, x, addend, rows, cols);
}

extern "C" __global__ void matvec_q5_k(float* out, const void* w, const float* x, const float* addend,
                                       int rows, int cols) {
    matvec_scale_min<true>(out, w, x, addend, rows, cols);
}

// Q6_K: the warp takes one super-block at a time; lanes 0-15 take the first half, 16-31 the second,
// each the pair l, l + 1 (l = 2(t % 16)) of all four quarters: 8 elements with 16-bit loads (the
// 210-byte blocks are only 2-byte aligned).
extern "C" __global__ void matvec_q6_k(float* out, const void* w, const float* x, const float* addend,
                                       int rows, int cols) {
    const int row = blockIdx.x * (blockDim.x / WARP_SIZE) + threadIdx.x / WARP_SIZE;
    const int lane = threadIdx.x % WARP_SIZE;
    if (row >= rows) {
        return;
    }
    const int blocks = cols / QK_K;
    const unsigned char* rowData = (const unsigned char*) w + (size_t) row * blocks * Q6_K_BYTES;
    const int half = lane / 16;
    const int l = 2 * (lane % 16);
    float sum = 0.0f;
    for (int b = 0; b < blocks; b++) {
        const unsigned char* block = rowData + (size_t) b * Q6_K_BYTES;
        const float d = f16_to_f32(load_u16(block + 208));
        const unsigned short ql0 = load_u16(block + 64 * half + l);
        const unsigned short ql1 = load_u16(block + 64 * half + 32 + l);
        const unsigned short qh = load_u16(block + 128 + 32 * half + l);
        const signed char* scales = (const signed char*) (block + 192) + 8 * half + l / 16;
        const float* xs = x + b * QK_K + 128 * half + l;
#pragma unroll
        for (int quarter = 0; quarter < 4; quarter++) {
            const unsigned short qlWord = quarter % 2 == 0 ? ql0 : ql1;
            float quants = 0.0f;
#pragma unroll
            for (int i = 0; i < 2; i++) {
                const int low = ((qlWord >> (8 * i)) >> (4 * (quarter / 2))) & 0xf;
                const int high = ((qh >> (8 * i)) >> (2 * quarter)) & 3;
                quants += (float) ((low | high << 4) - 32) * xs[32 * quarter + i];
            }
            sum += d * (float) scales[2 * quarter] * quants;
        }
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

// Q4_1, Q5_0, Q5_1: element j of a 32-element block, with the CPU decoders' rounding.
template <int BYTES, int QS, bool FIFTH, bool MIN>
__device__ __forceinline__ void embedding_32(float* out, const void* w, int token, int cols) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= cols) {
        return;
    }
    const unsigned char* block = (const unsigned char*) w + ((size_t) token * (cols / QK) + i / QK) * BYTES;
    const int j = i % QK;
    const int packed = block[QS + j % (QK / 2)];
    int q = j < QK / 2 ? packed & 0xf : packed >> 4;
    if (FIFTH) {
        q |= ((load_qh(block + (MIN ? 4 : 2)) >> j) & 1) << 4;
    }
    const float d = f16_to_f32(load_u16(block));
    out[i] = MIN ? __fadd_rn(mul((float) q, d), f16_to_f32(load_u16(block + 2))) : mul((float) (q - (FIFTH ? 16 : 8)), d);
}

extern "C" __global__ void embedding_q4_1(float* out, const void* w, int token, int cols) {
    embedding_32<Q4_1_BYTES, 4, false, true>(out, w, token, cols);
}

extern "C" __global__ void embedding_q5_0(float* out, const void* w, int token, int cols) {
    embedding_32<Q5_0_BYTES, 6, true, false>(out, w, token, cols);
}

extern "C" __global__ void embedding_q5_1(float* out, const void* w, int token, int cols) {
    embedding_32<Q5_1_BYTES, 8, true, true>(out, w, token, cols);
}

// Q4_K and Q5_K: (d * sc) * q - dmin * m, each product rounded, as the CPU computes it.
template <bool FIFTH>
__device__ __forceinline__ void embedding_scale_min(float* out, const void* w, int token, int cols) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= cols) {
        return;
    }
    const int bytes = FIFTH ? Q5_K_BYTES : Q4_K_BYTES;
    const unsigned char* block = (const unsigned char*) w + ((size_t) token * (cols / QK_K) + i / QK_K) * bytes;
    const int e = i % QK_K;
    const int sub = e / 32;
    const int c = sub / 2;
    const int l = e % 32;
    const int high = sub % 2;
    int q = (block[(FIFTH ? 48 : 16) + 32 * c + l] >> (4 * high)) & 0xf;
    if (FIFTH) {
        q |= ((block[16 + l] >> (2 * c + high)) & 1) << 4;
    }
    int scale, min;
    scale_min_k4(block + 4, sub, &scale, &min);
    const float d = f16_to_f32(load_u16(block));
    const float dmin = f16_to_f32(load_u16(block + 2));
    out[i] = __fsub_rn(mul(mul(d, (float) scale), (float) q), mul(dmin, (float) min));
}

extern "C" __global__ void embedding_q4_k(float* out, const void* w, int token, int cols) {
    embedding_scale_min<false>(out, w, token, cols);
}

extern "C" __global__ void embedding_q5_k(float* out, const void* w, int token, int cols) {
    embedding_scale_min<true>(out, w, token, cols);
}

// Q6_K: (d * sc) * (q - 32), each product rounded.
extern "C" __global__ void embedding_q6_k(float* out, const void* w, int token, int cols) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= cols) {
        return;
    }
    const unsigned char* block = (const unsigned char*) w + ((size_t) token * (cols / QK_K) + i / QK_K) * Q6_K_BYTES;
    const int e = i % QK_K;
    const int half = e / 128;
    const int quarter = e % 128 / 32;
    const int l = e % 32;
    const int low = (block[64 * half + 32 * (quarter % 2) + l] >> (4 * (quarter / 2))) & 0xf;
    const int high = (block[128 + 32 * half + l] >> (2 * quarter)) & 3;
    const float d = f16_to_f32(load_u16(block + 208));
    const float sc = (float) ((const signed char*) block)[192 + e / 16];
    out[i] = mul(mul(d, sc), (float) ((low | high << 4) - 32));
}
