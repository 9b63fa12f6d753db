package dev.sift.engine.chat;

import com.hubspot.jinjava.el.JinjavaNodePreProcessor;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.tree.Node;
import java.time.Duration;
import java.util.List;

/**
 * Watches one render, node by node: stops it at its deadline, so that a template with loops nested
 * too deep cannot run on, and at its first failure, as Jinja would (Jinjava records the error and
 * carries on). It stops a render by throwing the {@link ChatTemplateException} to report, so that
 * the report is right however Jinjava passes the exception on.
 */
final class RenderGuard extends JinjavaNodePreProcessor {

    private final Duration timeout;
    private final long deadline;
    private int errorsChecked;

    RenderGuard(Duration timeout) {
        this.timeout = timeout;
        this.deadline = System.nanoTime() + timeout.toNanos();
    }

    @Override
    public void accept(Node node, JinjavaInterpreter interpreter) {
        super.accept(node, interpreter);
        if (System.nanoTime() - deadline > 0) {
            throw new ChatTemplateException("chat template took longer than " + timeout.toMillis() + " ms to render");
        }
        List<TemplateError> errors = interpreter.getErrors();
        if (errors.size() > errorsChecked) {
            List<TemplateError> added = errors.subList(errorsChecked, errors.size());
            errorsChecked = errors.size();
            TemplateErrors.firstFailure(added).ifPresent(failure -> {
                throw failure;
            });
        }
    }
}
