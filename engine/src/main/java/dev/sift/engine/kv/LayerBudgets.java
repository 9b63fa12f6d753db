package dev.sift.engine.kv;

import java.util.Arrays;
import java.util.Comparator;

/** Splitting a total budget over layers: the arithmetic shared by methods with per-layer budgets. */
final class LayerBudgets {

    private LayerBudgets() {
    }

    /**
     * Budgets proportional to {@code weights}, between {@code min} and {@code max}, summing to exactly
     * {@code layers × budget}. Every layer first gets {@code min}; what is left is shared in proportion
     * to the weights. A layer whose share passes {@code max} is held at {@code max} and its excess is
     * shared among the others the same way, until none passes (all-zero weights share evenly).
     *
     * @param weights one non-negative weight per layer
     * @param budget  the average budget, {@code min ≤ budget ≤ max}
     */
    static int[] proportional(double[] weights, int budget, int min, int max) {
        if (min > budget || budget > max) {
            throw new IllegalArgumentException("budget " + budget + " must lie between the layer minimum " + min
                    + " and maximum " + max);
        }
        int layers = weights.length;
        long total = (long) layers * budget;
        double[] shares = new double[layers];
        boolean[] capped = new boolean[layers];
        boolean capping = true;
        while (capping) {
            double left = total;
            double weight = 0;
            int open = 0;
            for (int l = 0; l < layers; l++) {
                if (capped[l]) {
                    left -= max;
                } else {
                    open++;
                    weight += weights[l];
                }
            }
            double spare = left - (double) open * min;
            capping = false;
            for (int l = 0; l < layers; l++) {
                if (!capped[l]) {
                    shares[l] = min + (weight > 0 ? weights[l] / weight : 1.0 / open) * spare;
                    if (shares[l] > max) {
                        shares[l] = max;
                        capped[l] = true;
                        capping = true;
                    }
                }
            }
        }
        return roundKeepingSum(shares, total);
    }

    /**
     * Rounds down, then gives one more to the largest remainders (ties: the lower layer) until the
     * sum is {@code total}: the largest-remainder method.
     */
    static int[] roundKeepingSum(double[] shares, long total) {
        int[] rounded = new int[shares.length];
        long sum = 0;
        for (int i = 0; i < shares.length; i++) {
            rounded[i] = (int) Math.floor(shares[i]);
            sum += rounded[i];
        }
        Integer[] byRemainder = new Integer[shares.length];
        for (int i = 0; i < shares.length; i++) {
            byRemainder[i] = i;
        }
        Arrays.sort(byRemainder, Comparator.comparingDouble(i -> -(shares[i] - rounded[i])));
        for (int i = 0; sum < total; i++, sum++) {
            rounded[byRemainder[i % shares.length]]++;
        }
        return rounded;
    }
}
