package dev.sift.engine.chat;

/**
 * A chat template could not be rendered: its source is malformed, it called
 * {@code raise_exception(message)} (the exception's message is then exactly the template's), it
 * failed while rendering, or it went over a render limit (time or output size).
 */
public class ChatTemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
