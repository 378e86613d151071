package io.productivek3s.infra.exec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The caller's locale, as the launcher saved it before giving the JVM a UTF-8 {@code LC_CTYPE} (a JVM started under
 * {@code LANG=C} cannot create files with non-ASCII names). Children must see the caller's own locale, so the saved
 * values replace the launcher's: {@code set:<value>} restores a value, {@code unset} removes the variable.
 */
public final class CallerLocale {
    static final String SAVED_LC_ALL = "PK3S_INFRA_CALLER_LC_ALL";
    static final String SAVED_LC_CTYPE = "PK3S_INFRA_CALLER_LC_CTYPE";

    private CallerLocale() {
    }

    /** {@code env} with the caller's LC_ALL/LC_CTYPE back in place and the launcher's markers removed. */
    public static Map<String, String> restore(Map<String, String> env) {
        if (!env.containsKey(SAVED_LC_ALL) && !env.containsKey(SAVED_LC_CTYPE)) {
            return env;
        }
        Map<String, String> restored = new LinkedHashMap<>(env);
        restoreOne(restored, "LC_ALL", restored.remove(SAVED_LC_ALL));
        restoreOne(restored, "LC_CTYPE", restored.remove(SAVED_LC_CTYPE));
        return Collections.unmodifiableMap(restored);
    }

    private static void restoreOne(Map<String, String> env, String name, String saved) {
        if (saved == null) {
            return;
        }
        if (saved.startsWith("set:")) {
            env.put(name, saved.substring(4));
        } else {
            env.remove(name);
        }
    }
}
