package io.productivek3s.infra.state.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.driver.StateDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The encryption rows of docs/state.md "Errors" ("Encryption at rest", "Failures"), the same on every driver the
 * decorator wraps: state sealed under one key and read with no key, with another key, or with its objects tampered
 * with or cut short is exit 4 with one line naming the cluster, the revision and the key id — for {@code state pull},
 * {@code state rollback} and the mirror sync of a fresh workstation's restore — and nothing is written: no output,
 * no mirror, no revision. A backend's test says how to open a workstation over its driver and how to damage what it
 * stores. (The local backend joins once its history is a driver.)
 */
public abstract class SealedStateErrorsContract {
    static final StateKey WRITER = SealedTest.key(1);
    static final StateKey OTHER = SealedTest.key(2);
    private static final LockHolder ALICE = new LockHolder("alice", "workstation-a", 4242, "profile install",
            Instant.parse("2026-11-28T10:00:00Z"));
    private static final LockHolder BOB = new LockHolder("bob", "workstation-b", 4343, "state rollback",
            Instant.parse("2026-11-28T10:01:00Z"));
    private static final String NAME = "alpha";

    @TempDir
    protected Path work;

    private final List<StateStore> opened = new ArrayList<>();
    private int workstations;

    /** A store on this test's (initially empty) backend, its driver wrapped by {@code decorate}, mirroring into {@code mirror}. */
    protected abstract StateStore openStore(Path mirror, UnaryOperator<StateDriver> decorate) throws Exception;

    /** From now on, every stored object's bytes as {@code damage} makes them (as a database writer could store them). */
    protected abstract void damageStoredObjects(UnaryOperator<byte[]> damage) throws Exception;

    @AfterEach
    void closeStores() throws IOException {
        for (StateStore store : opened) {
            store.close();
        }
    }

    /** What the reader holds, or what was done to the stored objects, and the message after "refusing revision N …: ". */
    public enum Row {
        NO_KEY("its encrypted summary is sealed with key " + WRITER.id() + " and no state key is set: set"
                + " PK3S_STATE_ENCRYPTION_KEY_FILE or PK3S_STATE_PASSPHRASE_FILE (docs/state.md \"Encryption at rest\");"
                + " nothing was changed"),
        OTHER_KEY("its encrypted summary is sealed with key " + WRITER.id() + ", which is neither the current key ("
                + OTHER.id() + ") nor one of PK3S_STATE_ENCRYPTION_OLD_KEY_FILES (none); nothing was changed"),
        TAMPERED("its encrypted object "),
        TRUNCATED("its encrypted object ");

        final String message;

        Row(String message) {
            this.message = message;
        }

        KeyRing readerKeys() {
            return switch (this) {
                case NO_KEY -> KeyRing.none();
                case OTHER_KEY -> KeyRing.of(OTHER, List.of());
                default -> KeyRing.of(WRITER, List.of());
            };
        }

        /** The end of an object's message: the key id and what went wrong. */
        String objectDetail() {
            return this == TAMPERED
                    ? " does not authenticate under key " + WRITER.id() + ": it was changed, or moved from another object"
                            + " or cluster; nothing was changed"
                    : " (key " + WRITER.id() + ") is truncated; nothing was changed";
        }
    }

    /** Each command that reads a sealed revision, and the revision it reads (alpha has revisions 1 and 2). */
    public enum Reader { PULL, ROLLBACK, RESTORE }

    static Stream<Arguments> rows() {
        return Arrays.stream(Row.values()).flatMap(row -> Arrays.stream(Reader.values()).map(r -> Arguments.of(row, r)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("rows")
    public void encryptionFailuresAreOneLineNamingClusterRevisionAndKey(Row row, Reader reader) throws Exception {
        StateStore writer = workstation(KeyRing.of(WRITER, List.of()));
        persist(writer, "one");
        persist(writer, "two");
        List<RevisionInfo> before = writer.history(NAME);
        switch (row) {
            case TAMPERED -> damageStoredObjects(b -> {
                byte[] copy = b.clone();
                copy[copy.length - 20] ^= 1; // inside the last chunk's ciphertext
                return copy;
            });
            case TRUNCATED -> damageStoredObjects(b -> Arrays.copyOf(b, Sealed.HEADER)); // cut at the chunk boundary
            default -> { }
        }
        StateStore store = workstation(row.readerKeys());
        Path out = work.resolve("out");
        Path scenario = Files.createDirectories(work.resolve("scenario"));
        long revision = reader == Reader.RESTORE ? 2 : 1;

        assertThatThrownBy(() -> {
            switch (reader) {
                case PULL -> store.pull(NAME, OptionalLong.of(revision), out);
                case ROLLBACK -> {
                    try (StateLock lock = store.lock(NAME, LockRequest.now(BOB))) {
                        store.rollback(NAME, revision, BOB);
                    }
                }
                case RESTORE -> {
                    try (StateLock lock = store.lock(NAME, LockRequest.now(BOB))) {
                        store.restore(NAME, scenario);
                    }
                }
            }
        }).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(EngineException.INVALID);
            assertThat(e.getMessage()).doesNotContain("\n")
                    .startsWith("refusing revision " + revision + " of profile state '" + NAME + "': " + row.message);
            if (row == Row.TAMPERED || row == Row.TRUNCATED) {
                assertThat(e.getMessage()).matches(".*its encrypted object [0-9a-f]{12}….*").endsWith(row.objectDetail());
            }
        });

        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) { // the CLI removes the --output it created
            try (Stream<Path> files = Files.list(out)) {
                assertThat(files.toList()).as("no pull output").isEmpty();
            }
        }
        assertThat(store.runtimeDir(NAME)).as("the mirror was not written").doesNotExist();
        try (Stream<Path> files = Files.list(scenario)) {
            assertThat(files.toList()).as("nothing restored").isEmpty();
        }
        assertThat(writer.history(NAME)).as("no revision written").isEqualTo(before);
    }

    /** Metadata stays plain (docs/state.md "Format"): {@code state list} and {@code state history} work keyless. */
    @org.junit.jupiter.api.Test
    public void listAndHistoryNeedNoKey() throws Exception {
        StateStore writer = workstation(KeyRing.of(WRITER, List.of()));
        persist(writer, "one");
        persist(writer, "two");
        StateStore keyless = workstation(KeyRing.none());
        assertThat(keyless.history(NAME)).isEqualTo(writer.history(NAME));
        assertThat(keyless.list()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo(NAME);
            assertThat(c.revision()).isEqualTo(2);
            assertThat(c.profile()).isEqualTo("sealed-profile");
        });
    }

    private StateStore workstation(KeyRing keys) throws Exception {
        StateStore store = openStore(work.resolve("workstation-" + (++workstations)),
                driver -> new EncryptingDriver(driver, keys, new SecureRandom()));
        opened.add(store);
        return store;
    }

    private void persist(StateStore store, String tag) throws IOException {
        Path scenario = work.resolve("scenario-" + tag);
        write(scenario.resolve("generated/cluster.json"), "{\"tag\":\"" + tag + "\",\"ssh\":{\"user\":\"ubuntu\",\"port\":22}}");
        write(scenario.resolve("generated/ssh/id_ed25519"), "key-" + tag);
        write(scenario.resolve("opentofu/terraform.tfstate"), "{\"serial\": \"" + tag + "\"}");
        EngineState metadata = EngineState.of(new EngineState.Profile("sealed-profile", "1.0.0", "onprem-basic", "ansible"),
                new EngineState.PackageRef("c0ffee", "sealed.tgz"), EngineState.Engine.java("0.0.0-test"),
                new EngineState.LastAction("install", EngineState.Result.SUCCESS, 0,
                        Instant.parse("2026-11-28T10:00:00Z"), Instant.parse("2026-11-28T10:00:05Z")));
        try (StateLock lock = store.lock(NAME, LockRequest.now(ALICE))) {
            store.persist(NAME, scenario, metadata);
        }
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }
}
