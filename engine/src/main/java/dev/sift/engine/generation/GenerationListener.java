package dev.sift.engine.generation;

/**
 * Receives generated text as it is produced. Pieces are whole UTF-8 characters (a character split
 * across tokens arrives once complete) and never include text of a stop sequence.
 */
@FunctionalInterface
public interface GenerationListener {

    /** Called on the generating thread for each new piece of text. */
    void onText(String piece);

    /** A listener that ignores everything. */
    GenerationListener NONE = piece -> { };
}
