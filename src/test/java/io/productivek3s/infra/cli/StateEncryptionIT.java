package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** {@code state keygen} and the local backend's refusal of docs/state.md "Encryption at rest" (PostgreSQL: PostgresEncryptionIT). */
class StateEncryptionIT extends PackageTestBase {
    @Test
    void keygenWritesAPrivateKeyFileOnceAndTheLocalBackendRefusesToUseIt() throws Exception {
        Engine.Result off = engine.run("doctor");
        assertThat(off.stdout()).contains("INFO  State encryption at rest: off (set PK3S_STATE_ENCRYPTION_KEY_FILE to seal state");

        Engine.Result made = engine.run("state", "keygen", "--output", "state.key");
        assertThat(made.exitCode()).as(made.toString()).isZero();
        Path key = home.resolve("work/state.key");
        assertThat(made.stdout()).startsWith("Wrote a new state key to " + key + " (key id ");
        String text = Files.readString(key);
        assertThat(text).matches("[A-Za-z0-9+/]{43}=\n");
        assertThat(made.stdout() + made.stderr()).doesNotContain(text.strip());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");

        assertError(engine.run("state", "keygen", "--output", "state.key"), 4, "refusing to overwrite " + key
                + ": a state key file is never replaced (state sealed with its key would be lost); choose another --output");
        assertThat(Files.readString(key)).isEqualTo(text);

        // the local backend does not seal its history yet: it refuses a key rather than write plaintext (docs/state.md)
        String refusal = "state encryption at rest (PK3S_STATE_ENCRYPTION_KEY_FILE, PK3S_STATE_PASSPHRASE_FILE) is not "
                + "available with the local backend in this version: its history would be written in plain text; unset it, "
                + "or use a PostgreSQL backend (PK3S_STATE_BACKEND)";
        Engine.Result doctor = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key").run("doctor");
        assertThat(doctor.exitCode()).as(doctor.toString()).isEqualTo(4);
        assertThat(doctor.stdout() + doctor.stderr()).contains(refusal).doesNotContain(text.strip());
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertError(engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key").run("profile", "install", "--tgz",
                pack().toString(), "--env-file", "site.env"), 4, refusal);
        assertThat(stateDir.resolve("fixture-profile.json")).doesNotExist();
    }

    @Test
    void keygenToStdoutAndAsJson() throws Exception {
        Engine.Result printed = engine.run("state", "keygen");
        assertThat(printed.exitCode()).as(printed.toString()).isZero();
        assertThat(printed.stdout()).matches("[A-Za-z0-9+/]{43}=\n");
        assertThat(printed.stderr()).contains("INFO  New state key ").doesNotContain(printed.stdout().strip());

        Engine.Result json = engine.run("state", "keygen", "--output", "team.key", "--json");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        assertThat(json.stdout()).contains("\"command\": \"state keygen\"", "\"output\": \"" + home.resolve("work/team.key") + "\"")
                .containsPattern("\"key_id\": \"[0-9a-f]{16}\"").doesNotContain(Files.readString(home.resolve("work/team.key")).strip());
        assertError(engine.run("state", "keygen", "--json"), 2,
                "state keygen --json needs --output <file>: a key is never put in a JSON document");
        assertError(engine.run("state", "keygen", "--output", "no/such/dir/k"), 3,
                "cannot write the state key to " + home.resolve("work/no/such/dir/k") + ": its directory does not exist");
    }
}
