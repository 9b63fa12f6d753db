package dev.sift.engine.calibration;

import java.util.Locale;

/**
 * How much one attention row of a query head counts as retrieving the needle, at one decoding step
 * of a needle run. A head's score for a run is the sum over the run's steps.
 */
public enum RetrievalScore {

    /**
     * CompressKV's semantic retrieval score: the head's whole attention mass on the needle, at every
     * step whose generated token occurs in the needle. A head that reads the needle's neighbourhood
     * while the model reproduces it scores, not only one that points at the copied token.
     * (CompressKV's code adds the mass once per occurrence of the token in the needle; here a repeated
     * token counts once, as it is no more evidence of retrieval.)
     */
    SEMANTIC,
    /**
     * The classic retrieval (copy-paste) score of Wu et al.: {@code 1 / |needle|} at a step where the
     * head's most attended token lies in the needle and is the token generated.
     */
    COPY;

    /**
     * The score of one step.
     *
     * @param attention   the head's attention weights, one per position {@code 0 … n − 1} ({@code n} of them)
     * @param tokens      the token at each position (at least {@code n} of them)
     * @param needleStart first position of the needle
     * @param needleEnd   the position after the needle's last
     * @param generated   the token generated at this step
     */
    public double step(float[] attention, int[] tokens, int needleStart, int needleEnd, int generated) {
        return switch (this) {
            case SEMANTIC -> {
                boolean inNeedle = false;
                double mass = 0;
                for (int i = needleStart; i < needleEnd; i++) {
                    inNeedle |= tokens[i] == generated;
                    mass += attention[i];
                }
                yield inNeedle ? mass : 0;
            }
            case COPY -> {
                int top = 0;
                for (int i = 1; i < attention.length; i++) {
                    if (attention[i] > attention[top]) {
                        top = i;
                    }
                }
                yield top >= needleStart && top < needleEnd && tokens[top] == generated
                        ? 1.0 / (needleEnd - needleStart) : 0;
            }
        };
    }

    /** The name in profiles and on the command line: {@code semantic} or {@code copy}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads {@code semantic} or {@code copy}. */
    public static RetrievalScore parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "semantic" -> SEMANTIC;
            case "copy" -> COPY;
            default -> throw new IllegalArgumentException("retrieval score '" + text + "' is not one of: semantic, copy");
        };
    }
}
