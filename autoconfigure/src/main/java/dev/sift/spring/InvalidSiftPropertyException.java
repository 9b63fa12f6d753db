package dev.sift.spring;

/**
 * A {@code sift.*} property has a value Sift cannot use. {@link SiftFailureAnalyzer} turns it into a
 * startup failure report naming the property, the value and what would be valid.
 */
public class InvalidSiftPropertyException extends RuntimeException {

    private final String property;
    private final Object value;
    private final String validValues;

    /**
     * @param property    full property name, e.g. {@code sift.compression.method}
     * @param value       the value found (may be {@code null})
     * @param problem     what is wrong with it
     * @param validValues what would be accepted, e.g. {@code none, streaming, snapkv}
     */
    public InvalidSiftPropertyException(String property, Object value, String problem, String validValues) {
        this(property, value, problem, validValues, null);
    }

    public InvalidSiftPropertyException(String property, Object value, String problem, String validValues, Throwable cause) {
        super("Invalid value '" + value + "' for property '" + property + "': " + problem, cause);
        this.property = property;
        this.value = value;
        this.validValues = validValues;
    }

    public String getProperty() {
        return property;
    }

    public Object getValue() {
        return value;
    }

    public String getValidValues() {
        return validValues;
    }
}
