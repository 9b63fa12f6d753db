package dev.sift.engine.kv;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * How many tokens each layer keeps after compression, sinks and window included: a fixed number
 * ({@code 512}) or a share of the tokens the sequence holds ({@code 10%}). Per layer and per KV
 * head, as SnapKV, PyramidKV and KVCache-Factory count it; a sequence no longer than the budget is
 * not compressed.
 */
public sealed interface Budget {

    /** The budget in tokens for a sequence of {@code tokens} tokens. */
    int resolve(int tokens);

    /** Keep {@code count} tokens per layer. */
    static Budget tokens(int count) {
        return new Tokens(count);
    }

    /** Keep {@code fraction} (0 < fraction ≤ 1) of the tokens per layer. */
    static Budget ratio(double fraction) {
        return new Ratio(fraction);
    }

    /**
     * Reads {@code 512} (tokens) or {@code 10%} (a share; {@code 12.5%} too).
     *
     * @throws IllegalArgumentException naming the text if it is neither
     */
    static Budget parse(String text) {
        String trimmed = text.strip();
        try {
            if (trimmed.endsWith("%")) {
                return ratio(Double.parseDouble(trimmed.substring(0, trimmed.length() - 1).strip()) / 100);
            }
            return tokens(Integer.parseInt(trimmed));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("budget '" + text
                    + "' is neither a token count (e.g. 512) nor a percentage of the prompt (e.g. 10%)");
        }
    }

    /** A fixed number of tokens per layer. */
    record Tokens(int count) implements Budget {

        public Tokens {
            if (count <= 0) {
                throw new IllegalArgumentException("budget must be a positive number of tokens, got " + count);
            }
        }

        @Override
        public int resolve(int tokens) {
            return count;
        }

        @Override
        public String toString() {
            return Integer.toString(count);
        }
    }

    /** A share of the tokens held, rounded to the nearest token. */
    record Ratio(double fraction) implements Budget {

        public Ratio {
            if (!(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("budget must be a percentage above 0% and at most 100%, got "
                        + fraction * 100 + "%");
            }
        }

        @Override
        public int resolve(int tokens) {
            return (int) Math.round(fraction * tokens);
        }

        /** The percentage as {@link #parse} reads it, e.g. {@code 10%} (not {@code 10.000000000000002%}). */
        @Override
        public String toString() {
            return new BigDecimal(fraction * 100).round(new MathContext(12)).stripTrailingZeros().toPlainString() + "%";
        }
    }
}
