package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.EngineException;
import java.sql.SQLException;

/**
 * Turns a JDBC failure into one ERROR line with the documented exit code (docs/state.md): the database cannot be
 * reached → 5 (a host dependency is unavailable); authentication failed, no such database → 4 (invalid
 * configuration); anything else → 1. Messages name the backend without its password.
 */
final class PgErrors {
    private PgErrors() {
    }

    static EngineException translate(PgConnectionSpec spec, String doing, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String message = spec.redact(oneLine(e.getMessage()));
        if (state.startsWith("28") || (state.equals("08004") && mentionsAuthentication(message))) {
            return EngineException.invalid("authentication failed for state backend " + spec.description() + ": "
                    + message);
        }
        if (state.equals("3D000")) {
            return EngineException.invalid("state backend " + spec.description() + " is not usable: " + message);
        }
        if (state.startsWith("08") || state.equals("57P01") || state.equals("57P03")) {
            return new EngineException(EngineException.DEPENDENCY, "state backend " + spec.description()
                    + " is unreachable: " + spec.redact(rootCause(e)));
        }
        return EngineException.runtime("state backend " + spec.description() + " failed while " + doing + ": "
                + message);
    }

    private static boolean mentionsAuthentication(String message) {
        String lower = message.toLowerCase(java.util.Locale.ROOT);
        return lower.contains("password") || lower.contains("authentication");
    }

    /** The innermost message: "Connection refused" rather than pgjdbc's advice around it. */
    private static String rootCause(Throwable e) {
        Throwable t = e;
        String message = e.getMessage();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t instanceof java.net.UnknownHostException ? "unknown host " + t.getMessage() : t.getMessage();
            }
        }
        return oneLine(message);
    }

    static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        return message.replaceAll("\\s*\\R\\s*", " ").replaceAll("\\p{Cntrl}", "?").trim();
    }
}
