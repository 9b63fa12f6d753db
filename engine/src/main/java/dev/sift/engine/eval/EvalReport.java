package dev.sift.engine.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The rows of a fidelity run.
 *
 * @param rows one per method and budget, the full cache first
 */
public record EvalReport(List<EvalRow> rows) {

    public EvalReport {
        rows = List.copyOf(rows);
    }

    /** The aligned table, header first. */
    public String table() {
        StringBuilder table = new StringBuilder(EvalRow.tableHeader()).append('\n');
        rows.forEach(row -> table.append(row.tableLine()).append('\n'));
        return table.toString();
    }

    /** Comma-separated values with a header line. */
    public String csv() {
        StringBuilder csv = new StringBuilder(String.join(",", EvalRow.COLUMNS)).append('\n');
        rows.forEach(row -> csv.append(row.csvLine()).append('\n'));
        return csv.toString();
    }

    /** Writes {@link #csv()} to a file. */
    public void writeCsv(Path file) throws IOException {
        Files.writeString(file, csv());
    }
}
