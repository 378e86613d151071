package io.productivek3s.infra.state.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgConnectionSpecTest {
    @TempDir
    Path home;

    private final List<String> warnings = new ArrayList<>();

    private PgConnectionSpec parse(String url, Map<String, String> env) {
        return PgConnectionSpec.parse(url, env, warnings::add);
    }

    @Test
    void parsesUserHostPortDatabaseAndParameters() {
        PgConnectionSpec spec = parse("postgresql://alice@db.example:6543/pk3s?sslmode=require", Map.of());
        assertThat(spec.user()).isEqualTo("alice");
        assertThat(spec.host()).isEqualTo("db.example");
        assertThat(spec.port()).isEqualTo(6543);
        assertThat(spec.database()).isEqualTo("pk3s");
        assertThat(spec.password()).isEmpty();
        assertThat(spec.parameters()).containsEntry("sslmode", "require");
        assertThat(spec.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/pk3s");
        assertThat(spec.properties()).containsEntry("connectTimeout", "5").containsEntry("sslmode", "require");
        assertThat(spec.description()).isEqualTo("postgresql://alice@db.example:6543/pk3s");
    }

    @Test
    void defaultPortAndIpv6AndPostgresScheme() {
        PgConnectionSpec spec = parse("postgres://bob@[::1]/state", Map.of());
        assertThat(spec.host()).isEqualTo("[::1]");
        assertThat(spec.port()).isEqualTo(5432);
    }

    @Test
    void passwordFromUrlIsDecodedAndNeverInTheDescription() {
        PgConnectionSpec spec = parse("postgresql://alice:s%40cret%3Aw0rd@127.0.0.1:5999/pk3s", Map.of("PGPASSWORD", "other"));
        assertThat(spec.password()).contains("s@cret:w0rd");
        assertThat(spec.description()).doesNotContain("cret");
        assertThat(spec.redact("failed for s@cret:w0rd and s%40cret%3Aw0rd")).isEqualTo("failed for **** and ****");
    }

    @Test
    void passwordFromPgpasswordThenPgpass() throws Exception {
        assertThat(parse("postgresql://alice@h:1/d", Map.of("PGPASSWORD", "from-env")).password()).contains("from-env");
        Path pgpass = home.resolve(".pgpass");
        Files.writeString(pgpass, """
                # comment
                otherhost:*:*:*:nope
                h:1:d:alice:pa\\:ss\\\\word
                *:*:*:*:fallback
                """);
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = Map.of("HOME", home.toString());
        assertThat(parse("postgresql://alice@h:1/d", env).password()).contains("pa:ss\\word");
        assertThat(parse("postgresql://carol@h:1/d", env).password()).contains("fallback");
        assertThat(parse("postgresql://alice@h:1/d", Map.of("HOME", "/nonexistent", "PGPASSFILE", pgpass.toString()))
                .password()).contains("pa:ss\\word");
    }

    @Test
    void pgpassReadableByOthersIsIgnoredWithAWarning() throws Exception {
        Path pgpass = home.resolve(".pgpass");
        Files.writeString(pgpass, "*:*:*:*:leaked\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(parse("postgresql://alice@h:1/d", Map.of("HOME", home.toString())).password()).isEmpty();
        assertThat(warnings).singleElement().asString().contains("group or world access");
    }

    @Test
    void malformedUrlsAreExit4WithoutThePassword() {
        for (String url : List.of("postgresql://", "postgresql://host/db", "postgresql://alice:hunter22@/db",
                "postgresql://alice:hunter22@host", "postgresql://alice:hunter22@host:99999/db",
                "postgresql://alice:hunter22@host:5/db?password=x", "mysql://alice@host/db")) {
            assertThatThrownBy(() -> parse(url, Map.of()))
                    .isInstanceOfSatisfying(EngineException.class, e -> {
                        assertThat(e.exitCode()).as(url).isEqualTo(4);
                        assertThat(e.getMessage()).as(url).doesNotContain("hunter22").doesNotContain("\n");
                    });
        }
    }

    @Test
    void connectTimeoutIsTunable() {
        assertThat(parse("postgresql://a@h/d", Map.of("PK3S_STATE_CONNECT_TIMEOUT", "2")).properties())
                .containsEntry("connectTimeout", "2");
        assertThatThrownBy(() -> parse("postgresql://a@h/d", Map.of("PK3S_STATE_CONNECT_TIMEOUT", "soon")))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.exitCode()).isEqualTo(4));
    }

    @Test
    void theLastAtBeforeTheHostEndsTheUserinfo() {
        PgConnectionSpec spec = parse("postgresql://alice:p@ssw0rd@db.example/pk3s", Map.of());
        assertThat(spec.password()).contains("p@ssw0rd");
        assertThat(spec.host()).isEqualTo("db.example");
        assertThat(spec.redact("postgresql://alice:p@ssw0rd@db.example/pk3s")).isEqualTo("postgresql://alice:****@db.example/pk3s");
        assertThat(parse("postgresql://alice:a:b%2Fc@h/d", Map.of()).password()).contains("a:b/c");
        assertThat(PgConnectionSpec.embedsPassword("postgresql://alice:se/cret@h/d")).isTrue();
        assertThat(PgConnectionSpec.embedsPassword("postgresql://alice@h/d?sslrootcert=/x@y")).isFalse();
    }

    @Test
    void malformedUrlMessagesNameWhereTheUrlCameFrom() {
        assertThatThrownBy(() -> PgConnectionSpec.parse("postgresql://bob:se/cret@h/d", "--to", Map.of(), warnings::add))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("--to is not a valid postgresql://user@host:port/db URL: postgresql://bob:****@h/d"));
    }

    @Test
    void anUnauthenticatedServerOffLoopbackIsWarnedAbout() {
        assertThat(parse("postgresql://a@db.example/d", Map.of()).transportWarning()).hasValueSatisfying(w -> assertThat(w)
                .startsWith("state backend postgresql://a@db.example:5432/d: no sslmode (pgjdbc's default is prefer) does"
                        + " not authenticate the server")
                .contains("sslmode=verify-full", "sslrootcert=").doesNotContain("\n"));
        assertThat(parse("postgresql://a@db.example/d?sslmode=require", Map.of()).transportWarning()).isPresent();
        assertThat(parse("postgresql://a@db.example/d?sslmode=disable", Map.of()).transportWarning()).isPresent();
        for (String quiet : List.of("postgresql://a@db.example/d?sslmode=verify-full",
                "postgresql://a@db.example/d?sslmode=verify-ca&sslrootcert=/etc/ca.pem", "postgresql://a@db.example/d?ssl=true",
                "postgresql://a@127.0.0.1/d", "postgresql://a@127.1.2.3:6000/d", "postgresql://a@localhost/d",
                "postgresql://a@[::1]/d")) {
            assertThat(parse(quiet, Map.of()).transportWarning()).as(quiet).isEmpty();
        }
    }
}
