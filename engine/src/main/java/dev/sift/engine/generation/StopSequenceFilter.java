package dev.sift.engine.generation;

import java.util.List;

/**
 * Holds back streamed text that could still turn out to begin a stop sequence, and cuts the text at
 * the first stop sequence found. Matching works on the text, so a stop sequence may span tokens.
 */
final class StopSequenceFilter {

    private final List<String> stopSequences;
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder emitted = new StringBuilder();
    private boolean stopped;

    StopSequenceFilter(List<String> stopSequences) {
        this.stopSequences = stopSequences;
    }

    /** Adds generated text; returns the part that is now safe to emit (possibly empty). */
    String accept(String piece) {
        if (stopped) {
            return "";
        }
        text.append(piece);
        int searchFrom = Math.max(0, emitted.length() - longestStopSequence());
        int cut = -1;
        for (String stop : stopSequences) {
            int at = text.indexOf(stop, searchFrom);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            stopped = true;
            return emitUpTo(cut);
        }
        return emitUpTo(text.length() - heldBack());
    }

    /** Whether a stop sequence has been found. */
    boolean stopped() {
        return stopped;
    }

    /** Emits whatever was held back (generation ended without a stop sequence). */
    String flush() {
        return stopped ? "" : emitUpTo(text.length());
    }

    private String emitUpTo(int end) {
        String out = text.substring(emitted.length(), Math.max(emitted.length(), end));
        emitted.append(out);
        return out;
    }

    /** Length of the longest suffix of the text that is a proper prefix of some stop sequence. */
    private int heldBack() {
        int longest = 0;
        for (String stop : stopSequences) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > longest; k--) {
                if (endsWith(stop, k)) {
                    longest = k;
                    break;
                }
            }
        }
        return longest;
    }

    /** Whether the text ends with the first {@code k} characters of {@code stop}. */
    private boolean endsWith(String stop, int k) {
        int start = text.length() - k;
        for (int i = 0; i < k; i++) {
            if (text.charAt(start + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private int longestStopSequence() {
        int longest = 0;
        for (String stop : stopSequences) {
            longest = Math.max(longest, stop.length());
        }
        return longest;
    }
}
