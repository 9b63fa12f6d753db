package dev.sift.engine.chat;

import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The global functions transformers gives chat templates that Jinjava lacks:
 * {@code raise_exception(message)} and {@code strftime_now(format)}. ({@code namespace(...)} is
 * built into Jinjava.)
 */
final class TemplateFunctions {

    /** The definitions to register, each under its Jinja name. */
    static final List<ELFunctionDefinition> DEFINITIONS = List.of(
            new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class, "raiseException", String.class),
            new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));

    private TemplateFunctions() {
    }

    /**
     * Fails the render with the template's own message, e.g. Gemma's "System role not supported".
     *
     * @return never
     */
    public static String raiseException(String message) {
        throw new ChatTemplateException(message);
    }

    /**
     * The render's current time (from its configured clock and zone) formatted with a Python
     * {@code strftime} format, e.g. {@code "%d %b %Y"} gives "26 Jul 2024".
     */
    public static String strftimeNow(String format) {
        JinjavaConfig config = JinjavaInterpreter.getCurrent().getConfig();
        Instant now = Instant.ofEpochMilli(config.getDateTimeProvider().getCurrentTimeMillis());
        return StrftimeFormatter.format(now.atZone(config.getTimeZone()), format, Locale.ENGLISH);
    }
}
