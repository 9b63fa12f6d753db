// Rotary position embedding, the KV cache and attention for one query token.
//
// The cache holds float32 keys and values laid out [layer][kvHead][entry][headDim], `capacity`
// entries per (layer, KV head), and the entry count of each (layer, KV head) in
// lengths[layer * kvHeads + kvHead]. Counts may differ between heads once entries were dropped.
#include "common.cuh"

// Rotates pair i of every query and key head by position * freqs[i]: the pair is (2i, 2i+1) in
// the interleaved layout and (i, i + pairs) in NeoX's. One thread per (head, pair), query heads
// first. Angles and their sine/cosine are computed in double precision as the CPU does: a float
// angle would be off by several milliradians at positions in the tens of thousands.
extern "C" __global__ void rope(float* q, float* k, int qHeads, int kvHeads, int headDim, int pairs,
                                const double* freqs, double position, int neox) {
    const int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (qHeads + kvHeads) * pairs) {
        return;
    }
    const int head = idx / pairs;
    const int i = idx % pairs;
    float* v = head < qHeads ? q + head * headDim : k + (head - qHeads) * headDim;
    double s;
    double c;
    sincos(position * freqs[i], &s, &c);
    const float sin = (float) s;
    const float cos = (float) c;
    const int a = neox ? i : 2 * i;
    const int b = neox ? i + pairs : 2 * i + 1;
    const float va = v[a];
    const float vb = v[b];
    v[a] = va * cos - vb * sin;
    v[b] = va * sin + vb * cos;
}

// Appends one token's key and value for every KV head of a layer: one block per KV head. The
// caller has checked that every head has room.
extern "C" __global__ void kv_append(float* keys, float* values, int* lengths, const float* k, const float* v,
                                     int layer, int kvHeads, int headDim, int capacity) {
    const int head = blockIdx.x;
    const int slot = layer * kvHeads + head;
    const int n = lengths[slot];
    const size_t at = ((size_t) slot * capacity + n) * headDim;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        keys[at + d] = k[head * headDim + d];
        values[at + d] = v[head * headDim + d];
    }
    __syncthreads();  // every thread has read the old count before it changes
    if (threadIdx.x == 0) {
        lengths[slot] = n + 1;
    }
}

// Scaled dot-product attention of one query token: one block per query head h, which reads KV
// head h / groupSize over all of its entries (any number up to capacity).
//   scores: a [heads][capacity] float scratch buffer, since the scores of a long context do not
//           fit in shared memory
//   dynamic shared memory: (headDim + blockDim.x) floats
// As on the CPU: scores are scaled dot products, softmax subtracts the maximum, and each value is
// weighted by its normalised probability.
extern "C" __global__ void attention(float* out, const float* q, const float* keys, const float* values,
                                     const int* lengths, float* scores, int layer, int kvHeads, int groupSize,
                                     int headDim, int capacity, float scale) {
    extern __shared__ float shared[];
    __shared__ float scratch[WARP_SIZE];
    float* query = shared;
    float* partial = shared + headDim;

    const int head = blockIdx.x;
    const int slot = layer * kvHeads + head / groupSize;
    const int n = lengths[slot];
    const float* k = keys + (size_t) slot * capacity * headDim;
    const float* v = values + (size_t) slot * capacity * headDim;
    scores += (size_t) head * capacity;
    q += head * headDim;
    out += head * headDim;

    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        query[d] = q[d];
    }
    __syncthreads();

    // Scores: one warp per entry, its lanes splitting the dot product.
    const int warp = threadIdx.x / WARP_SIZE;
    const int lane = threadIdx.x % WARP_SIZE;
    const int warps = blockDim.x / WARP_SIZE;
    float localMax = -INFINITY;
    for (int t = warp; t < n; t += warps) {
        const float* key = k + (size_t) t * headDim;
        float dot = 0.0f;
        for (int d = lane; d < headDim; d += WARP_SIZE) {
            dot += key[d] * query[d];
        }
        dot = warp_sum(dot) * scale;
        if (lane == 0) {
            scores[t] = dot;
        }
        localMax = fmaxf(localMax, dot);
    }
    // The barriers inside the reductions also publish the scores to the whole block.
    const float max = block_max(localMax, scratch);

    float localSum = 0.0f;
    for (int t = threadIdx.x; t < n; t += blockDim.x) {
        const float e = expf(scores[t] - max);
        scores[t] = e;
        localSum += e;
    }
    const float sum = block_sum(localSum, scratch);

    // Weighted values: thread (group, d) sums dimension d over every groups-th entry; with short
    // heads several groups split the entries and their partial sums are added at the end.
    const int groups = headDim < blockDim.x ? blockDim.x / headDim : 1;
    const int group = threadIdx.x / headDim;
    if (group < groups) {
        for (int d = threadIdx.x % headDim; d < headDim; d += blockDim.x) {
            float acc = 0.0f;
            for (int t = group; t < n; t += groups) {
                acc += scores[t] / sum * v[(size_t) t * headDim + d];
            }
            if (groups == 1) {
                out[d] = acc;
            } else {
                partial[group * headDim + d] = acc;
            }
        }
    }
    if (groups > 1) {
        __syncthreads();
        for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
            float acc = 0.0f;
            for (int g = 0; g < groups; g++) {
                acc += partial[g * headDim + d];
            }
            out[d] = acc;
        }
    }
}
