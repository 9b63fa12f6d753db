package dev.sift.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Splits text at the special tokens written in it, before the plain runs between them go to a
 * tokenizer's model; llama.cpp's {@code tokenizer_st_partition}.
 *
 * <p>Special tokens are taken one at a time, longest text first, and each splits every plain run
 * left by the ones before it. User-defined tokens are always split out; control and unknown tokens
 * only when special-token parsing is on.
 */
final class SpecialTokens {

    /** A run of plain text ({@code token == -1}) or one special token ({@code text == null}). */
    record Fragment(int token, String text) {

        static Fragment plain(String text) {
            return new Fragment(-1, text);
        }

        static Fragment special(int token) {
            return new Fragment(token, null);
        }

        boolean isText() {
            return text != null;
        }
    }

    private final Vocabulary vocabulary;
    /** Ids of the special tokens, longest UTF-8 text first (ties by id). */
    private final int[] byLength;

    SpecialTokens(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.byLength = IntStream.range(0, vocabulary.size())
                .filter(vocabulary::isSpecial)
                .boxed()
                .sorted(Comparator.comparingInt((Integer id) -> -utf8Length(vocabulary.text(id))))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /** The fragments of {@code text} in order; none for empty text. */
    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (!text.isEmpty()) {
            fragments.add(Fragment.plain(text));
        }
        for (int id : byLength) {
            if (!parseSpecial && vocabulary.type(id) != Vocabulary.USER_DEFINED) {
                continue;
            }
            List<Fragment> next = new ArrayList<>(fragments.size() + 2);
            for (Fragment fragment : fragments) {
                if (fragment.isText()) {
                    splitAt(fragment.text(), id, next);
                } else {
                    next.add(fragment);
                }
            }
            fragments = next;
        }
        return fragments;
    }

    private void splitAt(String text, int id, List<Fragment> out) {
        String special = vocabulary.text(id);
        boolean stripAfter = vocabulary.stripsSpaceAfter(id);
        int from = 0;
        for (int match = text.indexOf(special); match >= 0; match = text.indexOf(special, from)) {
            if (match > from) {
                out.add(Fragment.plain(text.substring(from, match)));
            }
            out.add(Fragment.special(id));
            from = match + special.length();
            while (stripAfter && from < text.length() && isSpace(text.charAt(from))) {
                from++;
            }
        }
        if (from < text.length()) {
            out.add(Fragment.plain(from == 0 ? text : text.substring(from)));
        }
    }

    /** C's {@code isspace} in the "C" locale, which llama.cpp uses for stripping. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
