package dev.sift.engine.sampling;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Chooses tokens from logits according to {@link SamplingOptions}. Holds the random state, so one
 * sampler belongs to one generation; two samplers built with the same seed draw the same tokens.
 */
public final class Sampler {

    private final SamplingOptions options;
    private final SplittableRandom random;

    public Sampler(SamplingOptions options) {
        this.options = options;
        this.random = options.seed() == null ? new SplittableRandom() : new SplittableRandom(options.seed());
    }

    public SamplingOptions options() {
        return options;
    }

    /**
     * Picks the next token.
     *
     * @param logits        next-token logits (not modified)
     * @param history       tokens seen so far (prompt and generated), for the penalties
     * @param historyLength how many entries of {@code history} are valid
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        float[] scores = logits.clone();
        applyPenalties(scores, history, historyLength);
        if (options.isGreedy()) {
            return argmax(scores);
        }
        int[] order = mostLikelyFirst(scores, options.topK() > 0 ? options.topK() : scores.length);
        int kept = order.length;
        double[] probabilities = softmax(scores, order, kept);
        kept = topP(probabilities, kept);
        kept = minP(scores, order, kept);

        // Temperature last, as llama.cpp does: the filters above see the unscaled distribution.
        float[] scaled = new float[kept];
        for (int i = 0; i < kept; i++) {
            scaled[i] = scores[order[i]] / options.temperature();
        }
        double[] weights = softmax(scaled);
        double draw = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < kept; i++) {
            cumulative += weights[i];
            if (draw < cumulative) {
                return order[i];
            }
        }
        return order[kept - 1];
    }

    private void applyPenalties(float[] scores, int[] history, int historyLength) {
        boolean enabled = options.repetitionPenalty() != 1f || options.presencePenalty() != 0f
                || options.frequencyPenalty() != 0f;
        if (!enabled || options.penaltyLastN() == 0) {
            return;
        }
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = Math.max(0, historyLength - options.penaltyLastN()); i < historyLength; i++) {
            counts.merge(history[i], 1, Integer::sum);
        }
        counts.forEach((token, count) -> {
            float s = scores[token];
            s = s > 0 ? s / options.repetitionPenalty() : s * options.repetitionPenalty();
            scores[token] = s - count * options.frequencyPenalty() - options.presencePenalty();
        });
    }

    /** Index of the largest score; the lowest index wins a tie. */
    static int argmax(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The {@code k} highest-scoring token ids, best first (lower id first on ties). Each candidate is
     * packed into one {@code long} whose natural order is that order, so selection and sorting run on
     * primitives: a bounded heap keeps the best {@code k} without sorting the whole vocabulary.
     */
    static int[] mostLikelyFirst(float[] scores, int k) {
        k = Math.min(k, scores.length);
        long[] heap = new long[k];
        int size = 0;
        for (int token = 0; token < scores.length; token++) {
            long key = rankKey(scores[token], token);
            if (size < k) {
                heap[size] = key;
                siftUp(heap, size++);
            } else if (key < heap[0]) {
                heap[0] = key;
                siftDown(heap, k);
            }
        }
        Arrays.sort(heap);
        int[] order = new int[k];
        for (int i = 0; i < k; i++) {
            order[i] = (int) heap[i];
        }
        return order;
    }

    /** Smaller key = higher score; equal scores order by token id. */
    private static long rankKey(float score, int token) {
        int bits = Float.floatToIntBits(score);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~sortable << 32) | token;
    }

    /** Max-heap on keys: the root is the worst candidate kept so far. */
    private static void siftUp(long[] heap, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (heap[parent] >= heap[i]) {
                return;
            }
            long t = heap[parent];
            heap[parent] = heap[i];
            heap[i] = t;
            i = parent;
        }
    }

    private static void siftDown(long[] heap, int size) {
        int i = 0;
        while (true) {
            int largest = i;
            int left = 2 * i + 1;
            int right = left + 1;
            if (left < size && heap[left] > heap[largest]) {
                largest = left;
            }
            if (right < size && heap[right] > heap[largest]) {
                largest = right;
            }
            if (largest == i) {
                return;
            }
            long t = heap[largest];
            heap[largest] = heap[i];
            heap[i] = t;
            i = largest;
        }
    }

    private static double[] softmax(float[] scores, int[] order, int kept) {
        float[] top = new float[kept];
        for (int i = 0; i < kept; i++) {
            top[i] = scores[order[i]];
        }
        return softmax(top);
    }

    private static double[] softmax(float[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : values) {
            max = Math.max(max, v);
        }
        double[] out = new double[values.length];
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.exp(values[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /** The smallest prefix whose probability reaches top-p (at least one token). */
    private int topP(double[] probabilities, int kept) {
        if (options.topP() >= 1f) {
            return kept;
        }
        double cumulative = 0;
        for (int i = 0; i < kept; i++) {
            cumulative += probabilities[i];
            if (cumulative >= options.topP()) {
                return i + 1;
            }
        }
        return kept;
    }

    /** Drops the tail less likely than min-p times the best token (at least one token stays). */
    private int minP(float[] scores, int[] order, int kept) {
        if (options.minP() <= 0f) {
            return kept;
        }
        double threshold = scores[order[0]] + Math.log(options.minP());
        int i = 1;
        while (i < kept && scores[order[i]] >= threshold) {
            i++;
        }
        return i;
    }
}
