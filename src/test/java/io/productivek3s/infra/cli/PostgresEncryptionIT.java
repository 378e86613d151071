package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.PostgresServer;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Encryption at rest against a real PostgreSQL server (docs/state.md "Encryption at rest"): what {@code pg_dump}
 * of the database holds, keys missing or wrong, two workstations, rotation, and what children see.
 */
class PostgresEncryptionIT extends PostgresStateBaseIT {
    private static final String TOKEN = "K10-planted-join-token-5be1c0";
    private static final String PASSWORD = "planted-tfstate-password-93fd";

    @BeforeEach
    void plantTheSecrets() throws IOException {
        plantSecrets(TOKEN, PASSWORD);
    }

    private Engine.Result install(Engine e) throws IOException {
        return e.run("profile", "install", "--tgz", pack().toString(), "--env-file", home.resolve("work/site.env").toString());
    }

    /** {@code pg_dump} of the test database as text (bytea in hex, as a dump holds it). */
    private String pgDump() throws Exception {
        Path out = home.resolve("dump.sql");
        ProcessBuilder builder = new ProcessBuilder(PostgresServer.findBin().resolve("pg_dump").toString(), "-h", "127.0.0.1",
                "-p", String.valueOf(server.port()), "-U", PostgresServer.USER, "-f", out.toString(), database);
        builder.environment().put("PGPASSWORD", PostgresServer.PASSWORD);
        builder.redirectErrorStream(true).redirectOutput(home.resolve("dump.log").toFile());
        Process p = builder.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(home.resolve("dump.log"))).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static String hex(String text) {
        return HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertHolds(String dump, boolean holds) {
        for (String secret : List.of(TOKEN, PASSWORD)) {
            boolean found = dump.contains(secret) || dump.contains(hex(secret));
            assertThat(found).as("dump holds " + secret).isEqualTo(holds);
        }
    }

    @Test
    void aDumpHoldsThePlantedSecretsWithoutEncryptionAndNoneWithIt() throws Exception {
        Engine.Result plain = install(engine);
        assertThat(plain.exitCode()).as(plain.toString()).isZero();
        assertHolds(pgDump(), true); // the check finds them when they are there: the test can fail

        database = server.createDatabase("PostgresEncryptionIT");
        usePostgres(engine); // a second database, and a mirror of its own
        Path mirror = home.resolve("state2");
        engine.env("PK3S_PROFILE_STATE_DIR", mirror.toString());
        String id = newStateKey("state.key");
        Engine.Result sealed = install(engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key"));
        assertThat(sealed.exitCode()).as(sealed.toString()).isZero();
        String dump = pgDump();
        assertThat(dump).contains("fixture-profile"); // the dump is of the right database
        assertHolds(dump, false);
        // the mirror pk3s reads stays plain (docs/state.md "What stays plain, and why")
        assertThat(Files.readString(mirror.resolve("fixture-profile.runtime/opentofu/terraform.tfstate"))).contains(PASSWORD);

        Engine.Result doctor = engine.run("doctor");
        assertThat(doctor.stdout()).contains("OK    State encryption at rest: on, key id " + id + " (PK3S_STATE_ENCRYPTION_KEY_FILE)");
        assertThat(Files.readString(records.resolve("installer.env"))).contains("FIXTURE_JOIN_TOKEN=") // recorded: can fail
                .doesNotContain("PK3S_STATE_ENCRYPTION").doesNotContain("state.key");
    }

    @Test
    void withoutTheKeyOrWithAnotherKeyEveryReadIsExitFourAndNothingIsLost() throws Exception {
        String id = newStateKey("state.key");
        newStateKey("other.key");
        Engine.Result sealed = install(engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key"));
        assertThat(sealed.exitCode()).as(sealed.toString()).isZero();
        String mirror = Files.readString(stateDir.resolve("fixture-profile.runtime/opentofu/terraform.tfstate"));

        Engine.Result keyless = engine.unset("PK3S_STATE_ENCRYPTION_KEY_FILE").run("profile", "status", "--tgz", pack().toString(),
                "--env-file", "site.env");
        assertThat(keyless.exitCode()).as(keyless.toString()).isEqualTo(4);
        assertThat(keyless.stderr()).contains("ERROR refusing revision 1 of profile state 'fixture-profile': its encrypted ")
                .contains("is sealed with key " + id + " and no state key is set");
        Engine.Result wrong = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "other.key").run("state", "pull", NAME, "--output", "out");
        assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(4);
        assertThat(wrong.stderr()).contains("is sealed with key " + id + ", which is neither the current key");
        assertThat(home.resolve("work/out")).doesNotExist();

        Engine.Result history = engine.unset("PK3S_STATE_ENCRYPTION_KEY_FILE").run("state", "history", NAME);
        assertThat(history.exitCode()).as(history.toString()).isZero(); // metadata is plain: history works keyless
        assertThat(history.stdout()).contains("profile install");
        Engine.Result list = engine.unset("PK3S_STATE_ENCRYPTION_KEY_FILE").run("state", "list");
        assertThat(list.exitCode()).as(list.toString()).isZero(); // so does the list (docs/state.md "Failures")
        assertThat(list.stdout()).contains(NAME);
        assertThat(Files.readString(stateDir.resolve("fixture-profile.runtime/opentofu/terraform.tfstate"))).isEqualTo(mirror);
        Engine.Result pulled = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key").run("state", "pull", NAME, "--output", "ok");
        assertThat(pulled.exitCode()).as(pulled.toString()).isZero();
        assertThat(Files.readString(home.resolve("work/ok/fixture-profile.runtime/opentofu/terraform.tfstate"))).isEqualTo(mirror);
    }

    @Test
    void twoWorkstationsWithTheSameKeyShareStateAndAnOldKeyStillReads() throws Exception {
        newStateKey("state.key");
        Engine.Result sealed = install(engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key"));
        assertThat(sealed.exitCode()).as(sealed.toString()).isZero();
        Path home2 = home.resolve("ws2");
        Engine second = workstation(home2);
        Files.createDirectories(home2.resolve("work"));
        Files.copy(home.resolve("work/state.key"), home2.resolve("work/state.key"));
        Engine.Result pulled = second.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key").run("state", "pull", NAME, "--output", "x");
        assertThat(pulled.exitCode()).as(pulled.toString()).isZero();
        assertThat(Files.readString(home2.resolve("work/x/fixture-profile.runtime/generated/join-token"))).contains(TOKEN);

        // rotation: a new key seals from now on, the old one still reads revision 1
        newStateKey("new.key");
        Engine rotated = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "new.key").env("PK3S_STATE_ENCRYPTION_OLD_KEY_FILES", "state.key");
        Engine.Result again = install(rotated);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        Engine.Result old = rotated.run("state", "pull", NAME, "--revision", "1", "--output", "r1");
        assertThat(old.exitCode()).as(old.toString()).isZero();
        Engine.Result withoutOld = engine.unset("PK3S_STATE_ENCRYPTION_OLD_KEY_FILES").env("PK3S_STATE_ENCRYPTION_KEY_FILE", "new.key")
                .run("state", "pull", NAME, "--revision", "2", "--output", "r2");
        assertThat(withoutOld.exitCode()).as(withoutOld.toString()).isZero(); // revision 2 needs only the new key
        assertHolds(pgDump(), false);
    }

    // ---- state rekey, state migrate --encrypt|--decrypt (docs/state.md "Mixed state, rotation, migration") ----

    /** Every file of every revision of {@code name} with a tree, as {@code state pull} writes it: path → sha256. */
    private Map<String, String> pullAll(Engine e, String name, int revisions, String tag) throws IOException {
        Map<String, String> trees = new TreeMap<>();
        for (int revision = 1; revision <= revisions; revision++) {
            // one output path for every pull: <name>.json names the runtime directory beside it
            Engine.Result pulled = e.run("state", "pull", name, "--revision", String.valueOf(revision), "--output", "pulled");
            assertThat(pulled.exitCode()).as(tag + " " + pulled).isZero();
            Path root = home.resolve("work/pulled");
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                    trees.put(revision + "/" + root.relativize(file), Digests.sha256(Files.readAllBytes(file)));
                }
            }
            Files2.deleteQuietly(root);
        }
        return trees;
    }

    /** A dump without the random token pg_dump guards its restore with: the rows and the schema. */
    private static List<String> rows(String dump) {
        return dump.lines().filter(line -> !line.startsWith("\\restrict") && !line.startsWith("\\unrestrict")).toList();
    }

    @Test
    void rekeyRewritesEveryRevisionUnderTheNewKeyAndTheOldKeyIsThenUnnecessary() throws Exception {
        String oldId = newStateKey("state.key");
        engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key");
        assertThat(install(engine).exitCode()).isZero();
        assertThat(install(engine).exitCode()).isZero();
        Map<String, String> before = pullAll(engine, NAME, 2, "before");
        assertThat(pgDump()).contains(oldId); // every sealed item's header names its key: the check can fail

        String newId = newStateKey("new.key");
        engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "new.key").env("PK3S_STATE_ENCRYPTION_OLD_KEY_FILES", "state.key");
        Engine.Result rekeyed = engine.run("state", "rekey", NAME);
        assertThat(rekeyed.exitCode()).as(rekeyed.toString()).isZero();
        assertThat(rekeyed.stdout()).contains("INFO  Rekeyed '" + NAME + "': 2 revision(s) rewritten")
                .contains("Rekeyed 1 cluster(s), 2 revision(s) in postgresql://", "every kept revision is now sealed with key "
                        + newId + " (PK3S_STATE_ENCRYPTION_KEY_FILE)");

        // the old key is gone from the environment: every revision, status and rollback still work
        engine.unset("PK3S_STATE_ENCRYPTION_OLD_KEY_FILES");
        assertThat(pullAll(engine, NAME, 2, "after")).isEqualTo(before);
        Engine.Result status = engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        Engine.Result rollback = engine.run("state", "rollback", NAME, "--revision", "1");
        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
        String dump = pgDump();
        assertThat(dump).contains(newId).doesNotContain(oldId); // nothing sealed with the old key is left
        assertHolds(dump, false);
        // and the old key alone reads nothing any more
        Engine.Result oldOnly = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key").run("state", "pull", NAME,
                "--revision", "1", "--output", "old-only");
        assertThat(oldOnly.exitCode()).as(oldOnly.toString()).isEqualTo(4);
        assertThat(oldOnly.stderr()).contains("sealed with key " + newId);
        // idempotent
        Engine.Result again = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "new.key").run("state", "rekey", NAME);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(pullAll(engine, NAME, 2, "again")).isEqualTo(before);
    }

    @Test
    void rekeyAllNeedsAKeyThatOpensEveryRevisionAndRefusesWithoutOne() throws Exception {
        String oldId = newStateKey("state.key");
        engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key");
        assertThat(install(engine).exitCode()).isZero();
        Engine.Result second = engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", "site.env",
                "--name", "site-two");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        String dump = pgDump();
        assertThat(dump).contains(oldId);

        Engine.Result keyless = engine.unset("PK3S_STATE_ENCRYPTION_KEY_FILE").run("state", "rekey", "--all");
        assertThat(keyless.exitCode()).as(keyless.toString()).isEqualTo(4);
        assertThat(keyless.stderr().strip().lines()).singleElement().asString().startsWith("[pk3s-infra] ERROR state rekey "
                + "seals every kept revision under the current state key, and none is set");
        String otherId = newStateKey("other.key");
        Engine.Result wrong = engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "other.key").run("state", "rekey", "--all");
        assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(4);
        assertThat(wrong.stderr()).contains("ERROR refusing revision 1 of profile state '" + NAME + "': its encrypted ")
                .contains("sealed with key " + oldId + ", which is neither the current key (" + otherId + ")");
        Engine.Result unknown = engine.run("state", "rekey", "nosuch");
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(3);
        assertThat(rows(pgDump())).isEqualTo(rows(dump)); // nothing changed

        Engine.Result all = engine.env("PK3S_STATE_ENCRYPTION_OLD_KEY_FILES", "state.key")
                .run("state", "rekey", "--all", "--json");
        assertThat(all.exitCode()).as(all.toString()).isZero();
        JsonNode doc = Json.parse(all.stdout());
        assertThat(doc.get("command").asText()).isEqualTo("state rekey");
        assertThat(doc.get("key_id").asText()).isEqualTo(otherId);
        assertThat(doc.get("sealed_with").asText()).isEqualTo("PK3S_STATE_ENCRYPTION_KEY_FILE");
        assertThat(doc.get("clusters").findValuesAsText("name")).containsExactly(NAME, "site-two");
        assertThat(pgDump()).doesNotContain(oldId).contains(otherId);
        engine.unset("PK3S_STATE_ENCRYPTION_OLD_KEY_FILES");
        pullAll(engine, "site-two", 1, "two");
    }

    @Test
    void migrateEncryptThenDecryptRoundTripsByteForByte() throws Exception {
        assertThat(install(engine).exitCode()).isZero(); // plain
        newStateKey("state.key");
        engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", "state.key");
        assertThat(install(engine).exitCode()).isZero(); // sealed: the database holds both, and both read
        Map<String, String> trees = pullAll(engine, NAME, 2, "mixed");
        assertHolds(pgDump(), true); // revision 1 is still plain

        Engine.Result encrypted = engine.run("state", "migrate", "--encrypt");
        assertThat(encrypted.exitCode()).as(encrypted.toString()).isZero();
        assertThat(encrypted.stdout()).contains("Encrypted 1 cluster(s), 2 revision(s) in postgresql://");
        assertHolds(pgDump(), false);
        assertThat(pullAll(engine, NAME, 2, "encrypted")).isEqualTo(trees);
        Engine.Result keyless = engine.unset("PK3S_STATE_ENCRYPTION_KEY_FILE").run("state", "pull", NAME, "--revision", "1",
                "--output", "keyless");
        assertThat(keyless.exitCode()).as(keyless.toString()).isEqualTo(4); // revision 1 is sealed now

        Engine.Result decrypted = engine.env("PK3S_STATE_ENCRYPTION_OLD_KEY_FILES", "state.key")
                .run("state", "migrate", "--decrypt", "--json");
        assertThat(decrypted.exitCode()).as(decrypted.toString()).isZero();
        JsonNode doc = Json.parse(decrypted.stdout());
        assertThat(doc.get("command").asText()).isEqualTo("state migrate");
        assertThat(doc.get("mode").asText()).isEqualTo("decrypt");
        assertThat(doc.get("key_id").isNull()).isTrue();
        assertHolds(pgDump(), true);
        engine.unset("PK3S_STATE_ENCRYPTION_OLD_KEY_FILES");
        assertThat(pullAll(engine, NAME, 2, "decrypted")).isEqualTo(trees); // no key needed, byte for byte

        Engine.Result combined = engine.run("state", "migrate", "--to", "local", "--encrypt");
        assertThat(combined.exitCode()).as(combined.toString()).isEqualTo(2);
    }
}
