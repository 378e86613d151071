package io.productivek3s.infra.env;

import java.util.List;
import java.util.function.Function;

/**
 * Evaluates parsed segments against a lookup that returns null for unset names. Output is bounded by
 * {@code maxChars}: every stored value is itself bounded, so memory stays within a few times the bound however the
 * values reference each other.
 */
final class Expander {
    /** The expansion would exceed the bound; the caller words the error with the file, line and name. */
    static final class TooLong extends RuntimeException {
        TooLong() {
            super(null, null, false, false);
        }
    }

    private final Function<String, String> lookup;
    private final int maxChars;

    Expander(Function<String, String> lookup, int maxChars) {
        this.lookup = lookup;
        this.maxChars = maxChars;
    }

    String expand(List<Segment> segments) {
        StringBuilder out = new StringBuilder();
        for (Segment segment : segments) {
            out.append(expand(segment));
            if (out.length() > maxChars) {
                throw new TooLong();
            }
        }
        return out.toString();
    }

    private String expand(Segment segment) {
        if (segment instanceof Segment.Literal literal) {
            return literal.text();
        }
        if (segment instanceof Segment.Param param) {
            String value = lookup.apply(param.name());
            return value == null ? "" : value;
        }
        if (segment instanceof Segment.Tilde) {
            return home();
        }
        Segment.Conditional conditional = (Segment.Conditional) segment;
        String value = lookup.apply(conditional.name());
        boolean present = conditional.colon() ? value != null && !value.isEmpty() : value != null;
        if (conditional.alternate()) {
            return present ? expand(conditional.word()) : "";
        }
        return present ? value : expand(conditional.word());
    }

    /** Like bash: HOME from the scope, else the account's home directory. */
    private String home() {
        String home = lookup.apply("HOME");
        return home != null ? home : System.getProperty("user.home", "");
    }
}
