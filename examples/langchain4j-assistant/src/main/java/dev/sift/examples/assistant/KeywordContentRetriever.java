package dev.sift.examples.assistant;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.DocumentSplitter;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.query.Query;

import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * A {@link ContentRetriever} that needs no embedding model: it scores each document segment by how
 * many distinct words of the query it contains (common words left out) and returns the best
 * {@code maxResults} segments that share at least one word, best first, ties in document order.
 */
public class KeywordContentRetriever implements ContentRetriever {

    private static final Set<String> STOP_WORDS = Set.of("a", "an", "and", "are", "as", "at", "be", "by", "did",
            "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "i", "in", "is", "it",
            "its", "of", "on", "or", "she", "that", "the", "their", "them", "they", "this", "to", "was", "what",
            "when", "where", "which", "who", "whom", "why", "with", "you", "your");

    private final List<TextSegment> segments;
    private final List<Set<String>> segmentTerms;
    private final int maxResults;

    public KeywordContentRetriever(List<TextSegment> segments, int maxResults) {
        if (maxResults < 1) {
            throw new IllegalArgumentException("maxResults must be at least 1, not " + maxResults);
        }
        this.segments = List.copyOf(segments);
        this.segmentTerms = this.segments.stream().map(segment -> terms(segment.text())).toList();
        this.maxResults = maxResults;
    }

    /** Splits {@code document} with {@code splitter} and retrieves over the segments. */
    public static KeywordContentRetriever of(Document document, DocumentSplitter splitter, int maxResults) {
        return new KeywordContentRetriever(splitter.split(document), maxResults);
    }

    public List<TextSegment> segments() {
        return segments;
    }

    @Override
    public List<Content> retrieve(Query query) {
        Set<String> wanted = terms(query.text());
        int[] scores = segmentTerms.stream()
                .mapToInt(terms -> (int) wanted.stream().filter(terms::contains).count())
                .toArray();
        return IntStream.range(0, segments.size())
                .filter(i -> scores[i] > 0)
                .boxed()
                .sorted(Comparator.<Integer>comparingInt(i -> scores[i]).reversed().thenComparingInt(i -> i))
                .limit(maxResults)
                .map(i -> Content.from(segments.get(i)))
                .toList();
    }

    /** Lower-case words of letters and digits, stop words left out. */
    static Set<String> terms(String text) {
        Set<String> terms = new LinkedHashSet<>();
        for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{Nd}]+")) {
            if (!word.isEmpty() && !STOP_WORDS.contains(word)) {
                terms.add(word);
            }
        }
        return terms;
    }
}
