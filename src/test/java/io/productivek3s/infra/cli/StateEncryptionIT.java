package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code state keygen}, the {@code doctor} line and the children's environment of docs/state.md "Encryption at rest". */
class StateEncryptionIT extends PackageTestBase {
    private static final Pattern KEY_ID = Pattern.compile("key id ([0-9a-f]{16})");

    private static String keyId(String text) {
        Matcher matcher = KEY_ID.matcher(text);
        assertThat(matcher.find()).as(text).isTrue();
        return matcher.group(1);
    }

    @Test
    void keygenWritesAPrivateKeyFileOnceAndDoctorShowsItsKeyId() throws Exception {
        Engine.Result off = engine.run("doctor");
        assertThat(off.stdout()).contains("INFO  State encryption at rest: off (set PK3S_STATE_ENCRYPTION_KEY_FILE to seal state");

        Engine.Result made = engine.run("state", "keygen", "--output", "state.key");
        assertThat(made.exitCode()).as(made.toString()).isZero();
        Path key = home.resolve("work/state.key");
        assertThat(made.stdout()).startsWith("Wrote a new state key to " + key + " (key id ");
        String id = keyId(made.stdout());
        String text = Files.readString(key);
        assertThat(text).matches("[A-Za-z0-9+/]{43}=\n");
        assertThat(made.stdout() + made.stderr()).doesNotContain(text.strip());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");

        assertError(engine.run("state", "keygen", "--output", "state.key"), 4, "refusing to overwrite " + key
                + ": a state key file is never replaced (state sealed with its key would be lost); choose another --output");
        assertThat(Files.readString(key)).isEqualTo(text);

        Engine.Result on = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key").run("doctor", "--debug");
        assertThat(on.exitCode()).as(on.toString()).isZero();
        assertThat(on.stdout()).contains("OK    State encryption at rest: on, key id " + id + " (PK3S_STATE_ENCRYPTION_KEY_FILE)");
        assertThat(on.stdout() + on.stderr()).doesNotContain(text.strip());

        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        Engine.Result open = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key").run("doctor");
        assertThat(open.exitCode()).isEqualTo(4);
        assertThat(open.stdout() + open.stderr()).contains("PK3S_STATE_ENCRYPTION_KEY_FILE " + key
                + " is accessible by group or others (mode rw-r--r--): a state key must be private; run: chmod 600 " + key);
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

    @Test
    void noChildLearnsWhereTheKeysAre() throws Exception {
        engine.run("state", "keygen", "--output", "state.key");
        engine.run("state", "keygen", "--output", "old.key");
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key")
                .env("PK3S_STATE_ENCRYPTION_OLD_KEY_FILES", "old.key").run("profile", "install", "--tgz", pack().toString(),
                        "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        String childEnv = Files.readString(records.resolve("installer.env"));
        assertThat(childEnv).contains("FIXTURE_RECORD_DIR=") // the record is there: the test can fail
                .doesNotContain("PK3S_STATE_ENCRYPTION").doesNotContain("state.key").doesNotContain("old.key");
    }
}
