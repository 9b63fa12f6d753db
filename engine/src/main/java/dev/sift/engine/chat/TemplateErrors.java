package dev.sift.engine.chat;

import com.hubspot.jinjava.interpret.OutputTooBigException;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateError.ErrorReason;
import com.hubspot.jinjava.interpret.TemplateError.ErrorType;
import java.util.List;
import java.util.Optional;

/**
 * Turns what Jinjava reports into {@link ChatTemplateException}s. Jinjava records most failures as
 * {@link TemplateError}s and renders on; a failure is any fatal error, syntax error or exception
 * (Jinjava files runaway macro recursion as a mere warning), the rest being warnings about undefined
 * values, which Jinja allows.
 */
final class TemplateErrors {

    private TemplateErrors() {
    }

    static boolean isFailure(TemplateError error) {
        return error.getSeverity() == ErrorType.FATAL || error.getReason() == ErrorReason.SYNTAX_ERROR
                || error.getReason() == ErrorReason.EXCEPTION;
    }

    /** The exception for the first failure among {@code errors}, if any. */
    static Optional<ChatTemplateException> firstFailure(List<TemplateError> errors) {
        return errors.stream().filter(TemplateErrors::isFailure).findFirst()
                .map(error -> exception(error.getException(), "chat template error: " + error.getMessage()));
    }

    /**
     * The exception to report for a failure: the template's own (from {@code raise_exception}, an
     * extension or a limit) when it is among the causes, else one carrying {@code message}.
     */
    static ChatTemplateException exception(Throwable cause, String message) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ChatTemplateException reported) {
                return reported;
            }
            if (t instanceof OutputTooBigException) {
                return new ChatTemplateException("chat template output exceeds the limit of "
                        + TemplateEnvironment.MAX_OUTPUT_CHARS + " characters", t);
            }
        }
        return new ChatTemplateException(message, cause);
    }
}
