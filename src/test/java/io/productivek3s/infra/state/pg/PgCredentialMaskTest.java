package io.productivek3s.infra.state.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.log.Redactor;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The one mask ({@link Redactor#mask}, used by {@link PgConnectionSpec#redact} and {@link PgConnectionSpec#redactUrl})
 * against random passwords: whatever their characters, a message never shows them, raw or percent-encoded.
 */
class PgCredentialMaskTest {
    /** What breaks naive masks: URL delimiters, '%' and escapes, spaces, '*', non-ASCII. */
    private static final String ALPHABET = "aZ9_-./@:%2F?#&=+ *~!$'()[];,\u00e9\u65e5";

    @Provide
    Arbitrary<String> passwords() {
        return Arbitraries.strings().withChars(ALPHABET.toCharArray()).ofMinLength(4).ofMaxLength(24)
                .filter(p -> !p.isBlank());
    }

    /** Messages a password may reach: driver errors, --debug lines, the URL itself. */
    private static List<String> messages(String password, String url) {
        return List.of(
                "FATAL: password authentication failed for user \"alice\" (password " + password + ")",
                "[pk3s-infra] DEBUG env PGPASSWORD=" + password,
                "connecting to " + url + " failed: " + encoded(password) + " / " + rfc3986(password),
                url,
                "lower-case escapes: " + lowerHex(encoded(password)) + " and " + lowerHex(rfc3986(password)),
                password + password + " at both ends " + password);
    }

    @Property(tries = 500)
    void aPasswordInTheUrlIsParsedExactlyAndNeverShown(@ForAll("passwords") String password) {
        String url = "postgresql://alice:" + rfc3986(password) + "@db.example:5432/pk3s";
        PgConnectionSpec spec = PgConnectionSpec.parse(url, Map.of(), w -> { });
        assertThat(spec.password()).contains(password);
        assertThat(spec.host()).isEqualTo("db.example");
        for (String message : messages(password, url)) {
            assertNotShown(spec.redact(message), password);
        }
        assertThat(PgConnectionSpec.redactUrl(url)).isEqualTo("postgresql://alice:****@db.example:5432/pk3s");
    }

    @Property(tries = 500)
    void aPasswordFromPgpasswordIsNeverShown(@ForAll("passwords") String password) {
        PgConnectionSpec spec = PgConnectionSpec.parse("postgresql://alice@127.0.0.1/pk3s",
                Map.of("PGPASSWORD", password), w -> { });
        assertThat(spec.password()).contains(password);
        for (String message : messages(password, "postgresql://alice:" + password + "@127.0.0.1/pk3s")) {
            assertNotShown(spec.redact(message), password);
        }
    }

    /**
     * URL delimiters, '%', ' ' and '=' often, and letters none of "alice", "db.example" or "pk3s" has (a password that
     * is part of the user or host masks it too: safe, but not the exact form asserted here; see the examples below).
     */
    @Provide
    Arbitrary<String> delimiterPasswords() {
        Arbitrary<String> any = Arbitraries.strings().withChars("@/?#:%= xyzXYZ".toCharArray()).ofMinLength(4)
                .ofMaxLength(16);
        // the shape that reads as a host: [text]@host[:port]/db[?k=v], each part from the same characters
        Arbitrary<String> part = Arbitraries.strings().withChars("@/?#:%= xyzXYZ".toCharArray()).ofMaxLength(4);
        Arbitrary<String> word = Arbitraries.strings().withChars("xyzXYZ".toCharArray()).ofMinLength(1).ofMaxLength(4);
        Arbitrary<String> hostLike = net.jqwik.api.Combinators.combine(part, word, Arbitraries.of("", ":5432"), word,
                Arbitraries.of("", "?", "?k=v", "?k= v", "?k=v#f", "#f"), part)
                .as((a, host, port, db, query, b) -> a + "@" + host + port + "/" + db + query + b);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(2, any), net.jqwik.api.Tuple.of(1, hostLike))
                .filter(p -> p.length() >= 4 && !p.isBlank());
    }

    /** Typed raw into the URL ('/', '@', spaces...): parsed or refused, the message never shows it. */
    @Property(tries = 500)
    void aRawPasswordInAnyUrlIsNeverShown(@ForAll("passwords") String password) {
        assertRawPasswordNeverShown(password);
    }

    @Property(tries = 2000)
    void aRawPasswordOfUrlDelimitersInAnyUrlIsNeverShown(@ForAll("delimiterPasswords") String password) {
        assertRawPasswordNeverShown(password);
    }

    /** The shrunk counter-example of the property above, and its relatives: a raw '@' first, then '/', '?', '#'. */
    @Test
    void aPasswordThatReadsAsAnotherHostIsRefusedAndNeverShown() {
        for (String password : List.of("@aaaa/a? =", "@db2/x?a=b", "@db2:5432/x?a=b", "@aaaa/a", "@aaaa/a?b=c ",
                "@aaaa/a#frag", "x@aaaa/a?q=1", "@h/d?sslmode=disable")) {
            String url = "postgresql://alice:" + password + "@db.example/pk3s";
            assertThatThrownBy(() -> PgConnectionSpec.parse(url, Map.of(), w -> { })).as(password)
                    .isInstanceOfSatisfying(EngineException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(4);
                        assertThat(e.getMessage()).startsWith("PK3S_STATE_BACKEND ").endsWith(
                                password.contains(" ") ? "pk3s" : ": postgresql://alice:****@db.example/pk3s");
                        assertNotShown(e.getMessage(), password);
                    });
            assertRawPasswordNeverShown(password);
        }
    }

    /** Each delimiter at every position of a password; the empty password; one equal to the user or the host. */
    @Test
    void everyDelimiterAtEveryPositionIsNeverShown() {
        for (char c : "@/?#:%= ".toCharArray()) {
            for (int at = 0; at <= 8; at++) {
                StringBuilder password = new StringBuilder("pw0rdXyz");
                password.insert(at, c);
                assertRawPasswordNeverShown(password.toString());
                assertRawPasswordNeverShown(c + password.toString() + c);
            }
        }
        PgConnectionSpec none = PgConnectionSpec.parse("postgresql://alice:@db.example/pk3s", Map.of(), w -> { });
        assertThat(none.password()).contains("");
        assertThat(none.host()).isEqualTo("db.example");
        assertThat(PgConnectionSpec.redactUrl("postgresql://alice:@db.example/pk3s"))
                .isEqualTo("postgresql://alice:****@db.example/pk3s");
        for (String password : List.of("alice", "db.example", "pk3s", "postgresql")) {
            assertRawPasswordNeverShown(password);
        }
        assertThat(PgConnectionSpec.parse("postgresql://alice:alice@db.example/pk3s", Map.of(), w -> { })
                .redact("login of alice failed")).isEqualTo("login of **** failed");
    }

    /** Parsed or refused (exit 4), neither the engine's message nor the URL as messages show it holds the password. */
    private static void assertRawPasswordNeverShown(String password) {
        String url = "postgresql://alice:" + password + "@db.example/pk3s";
        String shown;
        try {
            PgConnectionSpec spec = PgConnectionSpec.parse(url, Map.of(), w -> { });
            // accepted only as written: the password before the last '@', on the host after it
            assertThat(spec.host()).as(password).isEqualTo("db.example");
            shown = spec.redact(url);
        } catch (EngineException e) {
            assertThat(e.exitCode()).as(password).isEqualTo(4);
            shown = e.getMessage();
        }
        assertNotShown(shown, password);
        assertNotShown(PgConnectionSpec.redactUrl(url), password);
        assertNotShown(Redactor.mask(url, PgConnectionSpec.writtenPasswords(url)), password);
        boolean partOfTheUrl = "postgresql://alice@db.example/pk3s".contains(password);
        if (password.chars().noneMatch(Character::isWhitespace) && !partOfTheUrl) {
            assertThat(PgConnectionSpec.redactUrl(url)).as(password)
                    .isEqualTo("postgresql://alice:****@db.example/pk3s");
        }
    }

    /** Short passwords are not replaced in free text (they would mask words) but never survive in a URL. */
    @Property(tries = 500)
    void aShortPasswordIsMaskedInTheUrl(@ForAll("short") String password) {
        String url = "postgresql://alice:" + password + "@db.example/pk3s";
        assertThat(PgConnectionSpec.redactUrl(url)).isEqualTo("postgresql://alice:****@db.example/pk3s");
        assertThat(Redactor.mask("from " + url + " to postgresql://bob:" + password + "@other/db", List.of()))
                .isEqualTo("from postgresql://alice:****@db.example/pk3s to postgresql://bob:****@other/db");
    }

    @Provide
    Arbitrary<String> shortPasswords() {
        return Arbitraries.strings().withChars("aZ9/@:%?&=+*!".toCharArray()).ofMinLength(1).ofMaxLength(3);
    }

    @Provide("short")
    Arbitrary<String> shortOnes() {
        return shortPasswords();
    }

    private static void assertNotShown(String text, String password) {
        assertThat(text).doesNotContain(password).doesNotContain(encoded(password)).doesNotContain(rfc3986(password))
                .doesNotContain(lowerHex(encoded(password))).doesNotContain(lowerHex(rfc3986(password)));
    }

    /** Percent-escapes with lower-case hex digits ({@code %2f}), the rest as it is. */
    private static String lowerHex(String encoded) {
        return java.util.regex.Pattern.compile("%[0-9A-F]{2}").matcher(encoded)
                .replaceAll(r -> r.group().toLowerCase(Locale.ROOT));
    }

    private static String encoded(String password) {
        return URLEncoder.encode(password, StandardCharsets.UTF_8);
    }

    private static String rfc3986(String password) {
        return encoded(password).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }
}
