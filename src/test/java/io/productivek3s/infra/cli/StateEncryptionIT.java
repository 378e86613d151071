package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code state keygen}, and docs/state.md "Encryption at rest" on the local backend: its history ({@code .history/})
 * holds only ciphertext with a key, the pair {@code pk3s} reads stays plain (PostgreSQL: PostgresEncryptionIT).
 */
class StateEncryptionIT extends PackageTestBase {
    private static final String NAME = "fixture-profile";
    private static final String TOKEN = "K10-planted-join-token-7c2e4a";
    private static final String PASSWORD = "planted-tfstate-password-41b8";


    private Engine.Result install() throws IOException {
        return engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", "site.env");
    }

    /** Which planted secrets a recursive grep of {@code dir} finds (as bytes, or hex-encoded). */
    private static List<String> grep(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (String secret : List.of(TOKEN, PASSWORD)) {
            String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
            for (Path file : files) {
                String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                if (content.contains(secret) || content.contains(hex)) {
                    found.add(secret);
                    break;
                }
            }
        }
        return found;
    }

    @Test
    void localHistoryHoldsThePlantedSecretsWithoutEncryptionAndNoneWithIt() throws Exception {
        plantSecrets(TOKEN, PASSWORD);
        Engine.Result plain = install();
        assertThat(plain.exitCode()).as(plain.toString()).isZero();
        assertThat(grep(stateDir.resolve(".history"))).as("the grep finds them when they are there: the test can fail")
                .containsExactly(TOKEN, PASSWORD);

        Path sealedDir = home.resolve("sealed-state");
        engine.env("PK3S_PROFILE_STATE_DIR", sealedDir.toString()).env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key");
        String id = newStateKey("state.key");
        for (int run = 0; run < 2; run++) { // an install, then one over it (a second revision, objects deduplicated)
            Engine.Result sealed = install();
            assertThat(sealed.exitCode()).as(sealed.toString()).isZero();
        }
        assertThat(grep(sealedDir.resolve(".history"))).as("secrets in the sealed history").isEmpty();
        // the pair pk3s reads stays plain (docs/state.md "What stays plain, and why")
        assertThat(Files.readString(sealedDir.resolve(NAME + ".runtime/opentofu/terraform.tfstate"))).contains(PASSWORD);
        Engine.Result pulled = engine.run("state", "pull", NAME, "--revision", "1", "--output", "pulled");
        assertThat(pulled.exitCode()).as(pulled.toString()).isZero();
        assertThat(Files.readString(home.resolve("work/pulled/" + NAME + ".runtime/generated/join-token"))).contains(TOKEN);
        Engine.Result doctor = engine.run("doctor");
        assertThat(doctor.stdout()).as(doctor.toString())
                .contains("OK    State encryption at rest: on, key id " + id + " (PK3S_STATE_ENCRYPTION_KEY_FILE)");
    }

    @Test
    void withoutTheKeyOrWithAnotherKeyEveryReadIsExitFourAndNothingIsLost() throws Exception {
        plantSecrets(TOKEN, PASSWORD);
        String id = newStateKey("state.key");
        newStateKey("other.key");
        Engine.Result sealed = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key").run("profile", "install",
                "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(sealed.exitCode()).as(sealed.toString()).isZero();
        String tfstate = Files.readString(stateDir.resolve(NAME + ".runtime/opentofu/terraform.tfstate"));
        List<String> history = listing(stateDir.resolve(".history"));

        Engine.Result keyless = engine.unset("PK3S_STATE_ENCRYPTION_KEY_FILE").run("profile", "status", "--tgz",
                pack().toString(), "--env-file", "site.env");
        assertThat(keyless.exitCode()).as(keyless.toString()).isEqualTo(4);
        assertThat(keyless.stderr()).contains("ERROR refusing revision 1 of profile state '" + NAME + "': its encrypted ")
                .contains("is sealed with key " + id + " and no state key is set");
        Engine.Result wrong = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "other.key").run("state", "pull", NAME,
                "--output", "out");
        assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(4);
        assertThat(wrong.stderr()).contains("is sealed with key " + id + ", which is neither the current key");
        assertThat(home.resolve("work/out")).doesNotExist();
        Engine.Result rollback = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "other.key").run("state", "rollback",
                NAME, "--revision", "1");
        assertThat(rollback.exitCode()).as(rollback.toString()).isEqualTo(4);

        // nothing was lost or changed: the pair, the history; and the right key reads everything back
        assertThat(Files.readString(stateDir.resolve(NAME + ".runtime/opentofu/terraform.tfstate"))).isEqualTo(tfstate);
        assertThat(listing(stateDir.resolve(".history"))).isEqualTo(history);
        Engine.Result listed = engine.unset("PK3S_STATE_ENCRYPTION_KEY_FILE").run("state", "history", NAME);
        assertThat(listed.exitCode()).as(listed.toString()).isZero(); // metadata is plain: history works keyless
        Engine.Result pulled = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key").run("state", "pull", NAME,
                "--output", "ok");
        assertThat(pulled.exitCode()).as(pulled.toString()).isZero();
        assertThat(Files.readString(home.resolve("work/ok/" + NAME + ".runtime/opentofu/terraform.tfstate")))
                .isEqualTo(tfstate);
    }

    /** The records and objects under {@code dir} (a history), with their sizes; not the pair's digest memo. */
    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
                    .filter(p -> p.startsWith("revisions/") || p.startsWith("objects/") || p.startsWith("opaque/"))
                    .map(p -> p + " " + dir.resolve(p).toFile().length()).sorted().toList();
        }
    }

    @Test
    void keygenWritesAPrivateKeyFileOnce() throws Exception {
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

        Engine.Result doctor = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key").run("doctor");
        assertThat(doctor.stdout() + doctor.stderr()).contains("State encryption at rest: on, key id ")
                .doesNotContain(text.strip());
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
