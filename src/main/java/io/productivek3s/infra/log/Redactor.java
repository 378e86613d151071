package io.productivek3s.infra.log;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Masks secret values as {@code ****} (contract §6.4, §11.4). Values are registered as soon as they are known:
 * the telemetry bearer token, values of inputs declared {@code sensitive: true}, and values of variables whose
 * name looks secret ({@code TOKEN}, {@code SECRET}, {@code PASSWORD}).
 */
public final class Redactor {
    public static final String MASK = "****";
    private static final Set<String> SECRET_NAME_MARKERS = Set.of("TOKEN", "SECRET", "PASSWORD");

    private final List<String> secrets = new CopyOnWriteArrayList<>();

    /** True for variable names whose values are secret by convention (e.g. HCLOUD_TOKEN, AWS_SECRET_ACCESS_KEY). */
    public static boolean isSecretName(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return SECRET_NAME_MARKERS.stream().anyMatch(upper::contains);
    }

    /** Registers a value to mask; blank and very short values are ignored (they would mask ordinary text). */
    public void addSecret(String value) {
        if (value == null || value.isBlank() || value.length() < 4 || secrets.contains(value)) {
            return;
        }
        secrets.add(value);
        secrets.sort(Comparator.comparingInt(String::length).reversed());
    }

    /** The value as it may be displayed for a variable named {@code name}. */
    public String display(String name, String value) {
        if (value == null) {
            return "";
        }
        if (isSecretName(name) || secrets.contains(value)) {
            return value.isEmpty() ? "" : MASK;
        }
        return redact(value);
    }

    public String redact(String text) {
        String result = text;
        for (String secret : secrets) {
            if (result.contains(secret)) {
                result = result.replace(secret, MASK);
            }
        }
        return result;
    }
}
