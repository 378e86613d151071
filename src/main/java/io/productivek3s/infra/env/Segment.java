package io.productivek3s.infra.env;

import java.util.List;

/** Parsed pieces of a value; quoting is resolved at parse time, so only expansions remain. */
sealed interface Segment {
    /** Text taken as is. */
    record Literal(String text) implements Segment {
    }

    /** {@code $NAME} or {@code ${NAME}}. */
    record Param(String name) implements Segment {
    }

    /** An unquoted {@code ~} that expands to HOME. */
    record Tilde() implements Segment {
    }

    /**
     * {@code ${NAME-word}} / {@code ${NAME:-word}} (alternate false) or {@code ${NAME+word}} / {@code ${NAME:+word}}
     * (alternate true); with {@code colon} an empty value counts as unset.
     */
    record Conditional(String name, boolean colon, boolean alternate, List<Segment> word) implements Segment {
        public Conditional {
            word = List.copyOf(word);
        }
    }
}
