package dev.sift.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports an invalid {@code sift.*} property as a startup failure that says how to fix it. */
class SiftFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSiftPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidSiftPropertyException cause) {
        String description = "Sift could not start: the property '" + cause.getProperty() + "' has the value '"
                + cause.getValue() + "'.\n\nReason: " + cause.getMessage();
        String action = "Update '" + cause.getProperty() + "' in your configuration. Valid values: "
                + cause.getValidValues() + ".";
        return new FailureAnalysis(description, action, cause);
    }
}
