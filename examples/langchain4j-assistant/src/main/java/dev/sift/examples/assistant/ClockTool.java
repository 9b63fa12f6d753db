package dev.sift.examples.assistant;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Tools the assistant may call. A model that supports tool calling gets their descriptions in its prompt. */
public class ClockTool {

    private final Clock clock;

    public ClockTool(Clock clock) {
        this.clock = clock;
    }

    @Tool("The current date and time in UTC, as ISO-8601")
    public String currentTime() {
        return ZonedDateTime.now(clock).withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    @Tool("Number of days from today until a date")
    public long daysUntil(@P("the date, as yyyy-MM-dd") String date) {
        return ChronoUnit.DAYS.between(LocalDate.now(clock), LocalDate.parse(date));
    }
}
