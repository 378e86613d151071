package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.log.Redactor;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the PostgreSQL state backend lives, parsed from {@code PK3S_STATE_BACKEND}
 * ({@code postgresql://user[:password]@host[:port]/db[?param=value&...]}), and the password to use: the URL's, else
 * {@code PGPASSWORD}, else the matching line of {@code PGPASSFILE} or {@code $HOME/.pgpass}. The password is resolved
 * here rather than by pgjdbc because pgjdbc never reads {@code PGPASSWORD} and looks for {@code .pgpass} under Java's
 * {@code user.home} (the passwd entry), not under the {@code HOME} the engine was started with.
 * {@link #description()} and {@link #redact} are the only forms that reach messages: the password never does
 * (masked by {@link Redactor#mask}, the one masking function). The userinfo ends at the last '@' before the host, as
 * in any URL, so {@code user:p@ss@host} has the password {@code p@ss}; a URL that also reads as valid with the
 * userinfo running to its very last '@' (a raw '/', '?' or '#' in the password) is refused as ambiguous.
 */
public record PgConnectionSpec(String user, String host, int port, String database, Optional<String> password,
        Map<String, String> parameters, int connectTimeoutSeconds) {
    public static final String CONNECT_TIMEOUT_VARIABLE = "PK3S_STATE_CONNECT_TIMEOUT";
    static final int DEFAULT_CONNECT_TIMEOUT = 5;
    private static final Pattern URL = Pattern.compile(
            "(?:postgresql|postgres)://(?:([^:/?#]*)(?::([^/?#]*))?@)?(\\[[0-9A-Fa-f:.]+\\]|[^:/?#\\[\\]@]+)"
                    + "(?::([0-9]{1,5}))?/([^/?#]+)(?:\\?([^#]*))?");

    public PgConnectionSpec {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(password, "password");
        parameters = Map.copyOf(parameters);
    }

    /** Parses {@code url}, the value of {@code PK3S_STATE_BACKEND}; see {@link #parse(String, String, Map, Consumer)}. */
    public static PgConnectionSpec parse(String url, Map<String, String> env, Consumer<String> warn) {
        return parse(url, "PK3S_STATE_BACKEND", env, warn);
    }

    /**
     * Parses {@code url} (exit 4 when malformed, without echoing its password); {@code origin} is where it came from
     * ({@code PK3S_STATE_BACKEND}, {@code --to}), which error messages name.
     */
    public static PgConnectionSpec parse(String url, String origin, Map<String, String> env, Consumer<String> warn) {
        Matcher m = URL.matcher(url.trim());
        if (!m.matches() || m.group(1) == null || m.group(1).isEmpty()) {
            throw EngineException.invalid(origin + " is not a valid postgresql://user@host:port/db URL: "
                    + redactUrl(url));
        }
        if (ambiguous(m, url.trim())) {
            throw EngineException.invalid(origin + " is ambiguous: its password has a raw '/', '?', '#' or '@' that"
                    + " could also start the host; percent-encode the password (%2F %3F %23 %40 %20) or keep it in"
                    + " ~/.pgpass or PGPASSWORD: " + redactUrl(url));
        }
        String user = decode(m.group(1), url, origin);
        String host = m.group(3);
        int port = 5432;
        if (m.group(4) != null) {
            port = Integer.parseInt(m.group(4));
            if (port < 1 || port > 65535) {
                throw EngineException.invalid(origin + " has an invalid port: " + redactUrl(url));
            }
        }
        String database = decode(m.group(5), url, origin);
        Map<String, String> parameters = new LinkedHashMap<>();
        if (m.group(6) != null && !m.group(6).isEmpty()) {
            for (String pair : m.group(6).split("&")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw EngineException.invalid(origin + " has a malformed parameter: " + redactUrl(url));
                }
                parameters.put(decode(pair.substring(0, eq), url, origin), decode(pair.substring(eq + 1), url, origin));
            }
        }
        if (parameters.containsKey("password") || parameters.containsKey("user")) {
            throw EngineException.invalid(origin + ": put the user before '@' and the password in ~/.pgpass or"
                    + " PGPASSWORD, not in URL parameters: " + redactUrl(url));
        }
        Optional<String> password = m.group(2) != null ? Optional.of(decode(m.group(2), url, origin))
                : Optional.empty();
        PgConnectionSpec partial = new PgConnectionSpec(user, host, port, database, password, parameters,
                connectTimeout(env));
        if (password.isPresent()) {
            return partial;
        }
        String fromEnv = env.get("PGPASSWORD");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return partial.withPassword(fromEnv);
        }
        return PgPass.lookup(PgPass.file(env), partial.bareHost(), port, database, user, warn)
                .map(partial::withPassword).orElse(partial);
    }

    /** Whether {@code url}, a backend URL, carries a password before its '@' (whatever else is wrong with it). */
    public static boolean embedsPassword(String url) {
        Matcher m = URL.matcher(url.trim());
        return m.matches() ? m.group(2) != null : writtenPassword(url).isPresent();
    }

    /**
     * The password as written in {@code url}, found even when the URL is malformed: after the user's ':' up to the
     * last '@' (the rule the launcher uses to take it out of the environment, docs/state.md "Credentials").
     */
    static Optional<String> writtenPassword(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return Optional.empty();
        }
        String rest = url.substring(scheme + 3);
        int at = rest.lastIndexOf('@');
        int colon = rest.indexOf(':');
        return colon >= 0 && colon < at ? Optional.of(rest.substring(colon + 1, at)) : Optional.empty();
    }

    /**
     * Whether {@code url}, which {@code rfc} (the URL rule: the authority ends at the first '/', '?' or '#') parsed,
     * reads as another valid URL under the launcher's rule (the userinfo ends at the last '@'), with another password:
     * {@code postgresql://alice:@db2/x?a=b@db/pk3s} is user alice without a password on db2, or the password
     * {@code @db2/x?a=b} on db. Refused rather than guessed: a guess connects to a host the user did not mean, and the
     * mask would miss the part of the password it took for a host (docs/state.md "Credentials").
     */
    private static boolean ambiguous(Matcher rfc, String url) {
        Optional<String> written = writtenPassword(url);
        if (written.isEmpty() || written.get().equals(rfc.group(2))) {
            return false;
        }
        int scheme = url.indexOf("://") + 3;
        String rest = url.substring(scheme);
        String reread = url.substring(0, scheme) + rest.substring(0, rest.indexOf(':')) + ":x@"
                + rest.substring(rest.lastIndexOf('@') + 1);
        return URL.matcher(reread).matches();
    }

    /** {@code postgresql://user@host:port/db}: how messages name the backend (never with the password). */
    public String description() {
        return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
    }

    /** {@code text} with the password (raw and percent-encoded) and any URL's password masked. */
    public String redact(String text) {
        return Redactor.mask(text, password.stream().toList());
    }

    /**
     * One warning when the connection would go to another machine without authenticating the server: pgjdbc's
     * default {@code sslmode=prefer} (and {@code require}) encrypts without checking the certificate, so the password
     * and the state could go to whoever answers. Loopback is exempt: nothing leaves the machine.
     */
    public Optional<String> transportWarning() {
        // pgjdbc: ssl=true without an sslmode means verify-full
        String mode = parameters.getOrDefault("sslmode", "true".equals(parameters.get("ssl")) ? "verify-full" : "");
        if (mode.equals("verify-full") || mode.equals("verify-ca") || isLoopback(bareHost())) {
            return Optional.empty();
        }
        return Optional.of("state backend " + description() + ": " + (mode.isEmpty() ? "no sslmode (pgjdbc's default is"
                + " prefer)" : "sslmode=" + mode) + " does not authenticate the server, so the database password and"
                + " the profile state travel to a server whose identity is not checked; add"
                + " ?sslmode=verify-full&sslrootcert=<CA file> to the URL (docs/state.md \"TLS\")");
    }

    private static boolean isLoopback(String host) {
        String h = host.toLowerCase(java.util.Locale.ROOT);
        return h.equals("localhost") || h.endsWith(".localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")
                || h.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
    }

    String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }

    Properties properties() {
        Properties p = new Properties();
        parameters.forEach(p::setProperty);
        p.setProperty("user", user);
        password.ifPresent(pw -> p.setProperty("password", pw));
        p.putIfAbsent("connectTimeout", Integer.toString(connectTimeoutSeconds));
        p.putIfAbsent("loginTimeout", Integer.toString(connectTimeoutSeconds));
        p.putIfAbsent("ApplicationName", "pk3s");
        p.putIfAbsent("tcpKeepAlive", "true");
        // Start-up cost: session settings go in the start-up packet instead of extra round trips, and no Kerberos
        // credential probing for GSS encryption unless the URL asks for it.
        p.putIfAbsent("assumeMinServerVersion", "10");
        p.putIfAbsent("gssEncMode", "disable");
        return p;
    }

    private PgConnectionSpec withPassword(String value) {
        return new PgConnectionSpec(user, host, port, database, Optional.of(value), parameters, connectTimeoutSeconds);
    }

    /** The host without IPv6 brackets, as .pgpass spells it. */
    private String bareHost() {
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    private static int connectTimeout(Map<String, String> env) {
        String value = env.getOrDefault(CONNECT_TIMEOUT_VARIABLE, "").trim();
        if (value.isEmpty()) {
            return DEFAULT_CONNECT_TIMEOUT;
        }
        try {
            int seconds = Integer.parseInt(value);
            if (seconds >= 1 && seconds <= 3600) {
                return seconds;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw EngineException.invalid(CONNECT_TIMEOUT_VARIABLE + " must be a whole number of seconds from 1 to 3600: "
                + value);
    }

    private static String decode(String value, String url, String origin) {
        try {
            return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw EngineException.invalid(origin + " has a malformed %-escape: " + redactUrl(url));
        }
    }

    /** {@code url} as messages may show it, even when malformed: its password masked, control characters as '?'. */
    public static String redactUrl(String url) {
        return Redactor.mask(url, writtenPasswords(url)).replaceAll("\\p{Cntrl}", "?");
    }

    /** The password of {@code url} as written (see {@link #writtenPassword}) and decoded, when it has one. */
    public static List<String> writtenPasswords(String url) {
        List<String> secrets = new ArrayList<>();
        writtenPassword(url).ifPresent(written -> {
            secrets.add(written);
            try {
                secrets.add(URLDecoder.decode(written.replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                // a malformed escape: the written form is masked
            }
        });
        return secrets;
    }
}
