package io.productivek3s.infra.log;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secret values as {@code ****} (docs/contract/output.md#debug-output, docs/contract/env-files.md#sensitive-inputs). Values are registered as soon as they are known:
 * the telemetry bearer token, values of inputs declared {@code sensitive: true}, values of variables whose
 * name looks secret ({@code TOKEN}, {@code SECRET}, {@code PASSWORD}), and the state backend's password.
 * {@link #mask} is the one masking function: every line the engine prints goes through it, and so does every message
 * the PostgreSQL state backend builds (docs/state.md "Credentials").
 */
public final class Redactor {
    public static final String MASK = "****";
    /** Secrets shorter than this are not replaced in free text: a 2-letter password would mask ordinary words. */
    public static final int MIN_SECRET_LENGTH = 4;
    private static final Set<String> SECRET_NAME_MARKERS = Set.of("TOKEN", "SECRET", "PASSWORD");
    /** What every backend URL's scheme starts with, in any case: text without it holds no URL to mask. */
    private static final String SCHEME_START = "postgres";

    private final List<String> secrets = new CopyOnWriteArrayList<>();

    /** True for variable names whose values are secret by convention (e.g. HCLOUD_TOKEN, AWS_SECRET_ACCESS_KEY). */
    public static boolean isSecretName(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return SECRET_NAME_MARKERS.stream().anyMatch(upper::contains);
    }

    /** Registers a value to mask; blank and very short values are ignored (they would mask ordinary text). */
    public void addSecret(String value) {
        if (value == null || value.isBlank() || value.length() < MIN_SECRET_LENGTH || secrets.contains(value)) {
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
        return mask(text, secrets);
    }

    /**
     * {@code text} with every secret masked: the password of any {@code postgresql://user:password@…} URL in it,
     * whatever its characters (the URL rule: the last '@' before the host ends it; a password with a raw '/' or
     * space, which no URL parser accepts, is masked up to the last '@' on its line), and every secret of
     * {@value #MIN_SECRET_LENGTH} characters or more, raw and percent-encoded (form and RFC 3986 encoding, either
     * hex case, or every byte escaped).
     */
    public static String mask(String text, Collection<String> secrets) {
        if (text == null) {
            return "";
        }
        List<String> forms = new ArrayList<>();
        for (String secret : secrets) {
            if (secret != null && secret.length() >= MIN_SECRET_LENGTH) {
                forms.addAll(encodings(secret));
            }
        }
        forms.sort(Comparator.comparingInt(String::length).reversed());
        // Known secrets first: a password with a space or an '@' is then gone before the URL rule looks for its end.
        // Replacing may join text into a new occurrence ("aa***" -> "a****" for "a***"), so this repeats until none
        // is left (bounded: each replacement removes a character that is not '*').
        String result = text;
        for (int pass = 0; pass < 16; pass++) {
            String before = result;
            for (String form : forms) {
                // a secret made of '*' would survive as (part of) the mask itself
                String mask = form.chars().allMatch(c -> c == '*') ? "[masked]" : MASK;
                result = result.replace(form, mask);
            }
            if (result.equals(before)) {
                break;
            }
        }
        result = maskBackendPasswords(result);
        return result;
    }

    /**
     * Masks the password of every {@code postgresql://user:password@host} in {@code text}. A URL ends at white space:
     * its last '@' ends the password ({@code p@ss}). A password with a raw space or nothing that looks like a host
     * after it (no '@' before the white space, and no port after the ':') runs to the last '@' on its line.
     */
    private static String maskBackendPasswords(String text) {
        if (!mentionsScheme(text)) {
            return text;
        }
        Matcher m = Url.BACKEND_SCHEME.matcher(text);
        StringBuilder out = new StringBuilder();
        int copied = 0;
        while (m.find()) {
            int start = m.end();
            if (start < copied) {
                continue;
            }
            int lineEnd = bound(text, start, true);
            int tokenEnd = bound(text, start, false);
            int colon = text.indexOf(':', start);
            if (colon < 0 || colon >= tokenEnd || text.substring(start, colon).indexOf('/') >= 0
                    || text.substring(start, colon).indexOf('@') >= 0) {
                continue;
            }
            int at = text.lastIndexOf('@', tokenEnd - 1);
            if (at < colon && !Url.PORT.matcher(text.substring(colon + 1, tokenEnd)).matches()) {
                at = text.lastIndexOf('@', lineEnd - 1);
            }
            if (at > colon) {
                out.append(text, copied, colon + 1).append(MASK);
                copied = at;
            }
        }
        return copied == 0 ? text : out.append(text, copied, text.length()).toString();
    }

    /**
     * Whether {@code text} has {@value #SCHEME_START} in it, in any case: a superset of the texts
     * {@link Url#BACKEND_SCHEME} finds a URL in, checked without a regular expression, so a line without a backend URL
     * (almost every line, and every one of {@code version}) compiles and runs none (docs/performance.md "What the
     * engine does before main returns that a hello world does not").
     */
    private static boolean mentionsScheme(String text) {
        for (int i = 0; i + SCHEME_START.length() <= text.length(); i++) {
            if (text.regionMatches(true, i, SCHEME_START, 0, SCHEME_START.length())) {
                return true;
            }
        }
        return false;
    }

    /** The patterns of the URL rule, compiled on first use. */
    private static final class Url {
        static final Pattern BACKEND_SCHEME = Pattern.compile("(?i)postgres(?:ql)?://");
        /** What follows "host:" when that is a port, not a password: {@code 5432/db}. */
        static final Pattern PORT = Pattern.compile("[0-9]{1,5}(?:[/?#].*)?", Pattern.DOTALL);
    }

    /** Where the URL starting at {@code from} ends: the next line break (or white space), or the next URL. */
    private static int bound(String text, int from, boolean line) {
        Matcher next = Url.BACKEND_SCHEME.matcher(text);
        int limit = next.find(from) ? next.start() : text.length();
        for (int i = from; i < limit; i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r' || (!line && Character.isWhitespace(c))) {
                return i;
            }
        }
        return limit;
    }

    /** {@code secret} raw and in the percent-encoded forms a URL or a driver message may show it in. */
    static Set<String> encodings(String secret) {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(secret);
        String form = URLEncoder.encode(secret, StandardCharsets.UTF_8);
        String rfc3986 = form.replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
        StringBuilder every = new StringBuilder();
        for (byte b : secret.getBytes(StandardCharsets.UTF_8)) {
            every.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
        }
        for (String encoded : List.of(form, rfc3986, every.toString())) {
            forms.add(encoded);
            forms.add(lowerHex(encoded));
        }
        return forms;
    }

    private static String lowerHex(String encoded) {
        StringBuilder out = new StringBuilder(encoded);
        for (int i = 0; i + 2 < out.length(); i++) {
            if (out.charAt(i) == '%') {
                out.setCharAt(i + 1, Character.toLowerCase(out.charAt(i + 1)));
                out.setCharAt(i + 2, Character.toLowerCase(out.charAt(i + 2)));
            }
        }
        return out.toString();
    }
}
