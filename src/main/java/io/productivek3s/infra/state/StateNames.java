package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Printable;
import java.util.regex.Pattern;

/** Profile names as state keys (docs/contract/package.md#profileyaml, D10): one safe path segment, whatever the backend. */
public final class StateNames {
    /** What a valid name is; {@link #isValid} checks it by hand (a listing checks two names per cluster). */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private StateNames() {
    }

    /** Whether {@code name} is a valid profile name (a state name read from storage is checked with this). */
    public static boolean isValid(String name) {
        if (name == null || name.isEmpty() || name.length() > 128 || !alphanumeric(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!alphanumeric(c) && c != '.' && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean alphanumeric(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    /** Returns {@code name} if it is a valid profile name, else exit 4 {@code profile package metadata.name is invalid}. */
    public static String requireValid(String name) {
        if (!isValid(name)) {
            throw invalid(name);
        }
        return name;
    }

    static EngineException invalid(String name) {
        // The name comes from a package; keep the ERROR line on one line whatever it contains.
        String shown = name == null ? "" : Printable.clean(name);
        return EngineException.invalid("profile package metadata.name is invalid: " + shown);
    }
}
