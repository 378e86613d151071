package io.productivek3s.infra.state.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateLayer;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.driver.ForwardingDriver;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StoredRevision;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code state rekey} and {@code state migrate --encrypt|--decrypt} as the state layer does them over the decorator
 * and the memory driver (docs/state.md "Mixed state, rotation, migration"): every kept revision is rewritten in
 * place, trees unchanged; afterwards only the current key (or none, after a decrypt) is needed, the backend holds
 * nothing the old key sealed and no plaintext, and an interruption leaves every revision readable.
 */
class RekeyTest {
    private static final String SECRET = "K10planted-join-token-5e1b";
    private static final LockHolder ALICE = new LockHolder("alice", "a", 1, "state rekey",
            Instant.parse("2026-12-07T10:00:00Z"));

    private final StateKey key1 = SealedTest.key(1);
    private final StateKey key2 = SealedTest.key(2);
    private final RecordingDriver backend = new RecordingDriver();
    private int stores;

    @TempDir
    Path dir;

    private StateStore layer(KeyRing keys) {
        return layer(new EncryptingDriver(backend, keys, new SecureRandom()));
    }

    private StateStore layer(StateDriver driver) {
        return StateLayer.open(driver, dir.resolve("workstation-" + (++stores)), ".pk3s-memory", w -> { }, d -> { });
    }

    private static KeyRing ring(StateKey current, StateKey... old) {
        return KeyRing.of(current, List.of(old));
    }

    /** Revisions 1 (plain, before encryption), 2 (key 1), 3 (a removal), 4 (key 1) of siteA; 1 (key 1) of siteB. */
    private void history() throws IOException {
        persist(layer(KeyRing.none()), "siteA", "one");
        persist(layer(ring(key1)), "siteA", "two");
        try (StateStore store = layer(ring(key1)); StateLock lock = store.lock("siteA", LockRequest.now(ALICE))) {
            store.remove("siteA");
        }
        persist(layer(ring(key1)), "siteA", "four");
        persist(layer(ring(key1)), "siteB", "b");
    }

    private void persist(StateStore store, String name, String tag) throws IOException {
        Path scenario = dir.resolve("scenario-" + name + "-" + tag);
        write(scenario.resolve("generated/cluster.json"), "{\"tag\": \"" + tag + "\", \"token\": \"" + SECRET + "\"}");
        write(scenario.resolve("generated/k3s.env"), "K3S_TOKEN=" + SECRET + "\n");
        write(scenario.resolve("opentofu/terraform.tfstate"), "{\"serial\": \"" + tag + "\"}");
        write(scenario.resolve("opentofu/.terraform/providers/p/bin"), "ELF provider, the same in every revision");
        try (store; StateLock lock = store.lock(name, LockRequest.now(ALICE))) {
            store.persist(name, scenario, EngineState.of(new EngineState.Profile("demo", "1.0.0", null, null), null, null,
                    new EngineState.LastAction("install", EngineState.Result.SUCCESS, 0, null, null)));
        }
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private List<RevisionInfo> rewrite(StateStore store, String name) throws IOException {
        try (store; StateLock lock = store.lock(name, LockRequest.now(ALICE))) {
            return store.rewrite(name);
        }
    }

    /** Every file of every revision with state, as {@code state pull} writes it, by revision. */
    private Map<String, Map<String, String>> pullAll(StateStore store, String name) throws IOException {
        Map<String, Map<String, String>> trees = new TreeMap<>();
        try (store) {
            for (RevisionInfo revision : store.history(name)) {
                if (!revision.removed()) {
                    Path out = dir.resolve("pulled-" + System.nanoTime());
                    store.pull(name, OptionalLong.of(revision.revision()), out);
                    trees.put(Long.toString(revision.revision()), contents(out));
                }
            }
        }
        return trees;
    }

    private static Map<String, String> contents(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), Files.readString(p));
            }
        }
        return files;
    }

    /** The key id each stored record (summary and payload) is sealed with, or "plain", by revision. */
    private List<String> sealing(String name) throws IOException {
        List<String> seen = new ArrayList<>();
        for (RevisionInfo revision : backend.backend.history(name)) {
            StoredRevision stored = backend.backend.read(name, revision.revision()).orElseThrow();
            if (!revision.removed()) {
                seen.add(revision.revision() + ":" + Sealed.keyId(stored.payload()).orElse("plain") + "/"
                        + Sealed.keyId(stored.summary()).orElse("plain"));
            }
        }
        return seen;
    }

    /** Whether the backend still holds any object of {@code name} under {@code key}'s address or plain. */
    private boolean holdsObjectsOf(String name, Map<String, Map<String, String>> trees, StateKey key) throws IOException {
        Set<String> addresses = new java.util.HashSet<>();
        for (Map<String, String> tree : trees.values()) {
            for (String content : tree.values()) {
                String sha = Digests.sha256(content.getBytes(StandardCharsets.UTF_8));
                addresses.add(key == null ? sha : key.address(name, sha));
            }
        }
        return backend.backend.missing(name, addresses).size() < addresses.size();
    }

    @Test
    void rekeyRewritesEveryRevisionUnderTheNewKeyAndTheOldOneIsThenUnnecessary() throws IOException {
        history();
        Map<String, Map<String, String>> before = pullAll(layer(ring(key1)), "siteA");
        assertThat(before).containsOnlyKeys("1", "2", "4");
        assertThat(sealing("siteA")).containsExactly("1:plain/plain", "2:" + key1.id() + "/" + key1.id(),
                "4:" + key1.id() + "/" + key1.id());
        assertThatThrownBy(() -> pullAll(layer(ring(key2)), "siteA")).isInstanceOf(EngineException.class)
                .hasMessageContaining("sealed with key " + key1.id()); // the new key alone does not read it yet

        List<RevisionInfo> rewritten = rewrite(layer(ring(key2, key1)), "siteA");
        assertThat(rewritten).extracting(RevisionInfo::revision).containsExactly(1L, 2L, 3L, 4L);

        String two = key2.id() + "/" + key2.id();
        assertThat(sealing("siteA")).containsExactly("1:" + two, "2:" + two, "4:" + two);
        assertThat(pullAll(layer(ring(key2)), "siteA")).isEqualTo(before); // byte for byte, with the new key alone
        assertThat(layer(ring(key2)).history("siteA")).isEqualTo(backend.backend.history("siteA")); // numbers, metadata
        // nothing of siteA under the old key or plain is left: collected once no record named it
        assertThat(holdsObjectsOf("siteA", before, key1)).isFalse();
        assertThat(holdsObjectsOf("siteA", before, null)).isFalse();
        assertThat(holdsObjectsOf("siteA", before, key2)).isTrue();
        // siteB was not named: still under key 1, and still readable with it
        assertThat(sealing("siteB")).containsExactly("1:" + key1.id() + "/" + key1.id());
        assertThat(pullAll(layer(ring(key1)), "siteB")).containsOnlyKeys("1");

        // idempotent: again, with the new key alone, the same trees
        assertThat(rewrite(layer(ring(key2)), "siteA")).hasSize(4);
        assertThat(pullAll(layer(ring(key2)), "siteA")).isEqualTo(before);
    }

    @Test
    void aKeyThatOpensNothingChangesNothing() throws IOException {
        history();
        List<String> sealed = sealing("siteA");
        assertThatThrownBy(() -> rewrite(layer(ring(key2)), "siteA")).isInstanceOfSatisfying(EngineException.class,
                e -> assertThat(e.exitCode()).isEqualTo(4)).hasMessageContaining("refusing revision 2 of profile state "
                        + "'siteA': its encrypted summary is sealed with key " + key1.id());
        // revision 1 (plain) was rewritten under key 2 before revision 2 was refused: readable with both keys
        assertThat(sealing("siteA")).containsExactly("1:" + key2.id() + "/" + key2.id(), sealed.get(1), sealed.get(2));
        assertThat(pullAll(layer(ring(key2, key1)), "siteA")).containsOnlyKeys("1", "2", "4");
    }

    @Test
    void anInterruptedRekeyLeavesEveryRevisionReadableAndCanBeRunAgain() throws IOException {
        history();
        Map<String, Map<String, String>> before = pullAll(layer(ring(key1)), "siteA");
        // the backend goes away after the first record was replaced
        StateDriver failing = new EncryptingDriver(new FailingAfter(backend, 1), ring(key2, key1), new SecureRandom());
        assertThatThrownBy(() -> rewrite(layer(failing), "siteA")).isInstanceOf(IOException.class)
                .hasMessageContaining("connection lost");
        assertThat(sealing("siteA")).containsExactly("1:" + key2.id() + "/" + key2.id(), "2:" + key1.id() + "/" + key1.id(),
                "4:" + key1.id() + "/" + key1.id());
        assertThat(pullAll(layer(ring(key2, key1)), "siteA")).isEqualTo(before);
        rewrite(layer(ring(key2, key1)), "siteA");
        assertThat(pullAll(layer(ring(key2)), "siteA")).isEqualTo(before);
    }

    @Test
    void encryptThenDecryptRoundTripsAndLeavesNoCiphertextOrPlaintextBehind() throws IOException {
        persist(layer(KeyRing.none()), "siteA", "one");
        persist(layer(KeyRing.none()), "siteA", "two");
        Map<String, Map<String, String>> plain = pullAll(layer(KeyRing.none()), "siteA");
        assertThat(holdsObjectsOf("siteA", plain, null)).isTrue(); // the test can fail: k3s.env holds the secret
        assertThat(backend.backend.read("siteA", 2).orElseThrow().payload()).asString(StandardCharsets.UTF_8)
                .contains("generated/k3s.env");

        rewrite(layer(ring(key1)), "siteA"); // state migrate --encrypt
        assertThat(sealing("siteA")).allMatch(s -> s.endsWith(key1.id() + "/" + key1.id()));
        assertThat(holdsObjectsOf("siteA", plain, null)).isFalse();
        for (RevisionInfo revision : backend.backend.history("siteA")) {
            assertThat(backend.backend.read("siteA", revision.revision()).orElseThrow().payload())
                    .asString(StandardCharsets.UTF_8).doesNotContain("k3s.env");
        }
        assertThatThrownBy(() -> pullAll(layer(KeyRing.none()), "siteA")).hasMessageContaining("no state key is set");

        rewrite(layer(new EncryptingDriver(backend, ring(key1), new SecureRandom()).decrypting()), "siteA"); // --decrypt
        assertThat(sealing("siteA")).containsExactly("1:plain/plain", "2:plain/plain");
        assertThat(holdsObjectsOf("siteA", plain, key1)).isFalse();
        assertThat(holdsObjectsOf("siteA", plain, null)).isTrue();
        assertThat(pullAll(layer(KeyRing.none()), "siteA")).isEqualTo(plain);
        assertThat(plain.get("2")).containsValue("K3S_TOKEN=" + SECRET + "\n");
    }

    @Test
    void anotherWritersLeaseFencesTheRewrite() throws IOException {
        history();
        StateStore store = layer(ring(key2, key1));
        try (StateStore other = layer(ring(key2, key1)); StateLock held = other.lock("siteA", LockRequest.now(ALICE))) {
            // a rewrite by a process that does not hold the lock (the layer's fence is then NONE) is refused
            assertThatThrownBy(() -> store.rewrite("siteA")).isInstanceOfSatisfying(EngineException.class,
                    e -> assertThat(e.exitCode()).isEqualTo(4)).hasMessageContaining("is locked by another run");
        }
        assertThat(sealing("siteA").get(1)).isEqualTo("2:" + key1.id() + "/" + key1.id());
        store.close();
    }

    /** A driver whose backend fails every replace after the first {@code allowed}. */
    private static final class FailingAfter extends ForwardingDriver {
        private int allowed;

        FailingAfter(StateDriver inner, int allowed) {
            super(inner);
            this.allowed = allowed;
        }

        @Override
        public void replace(String name, StoredRevision revision, Set<String> objects, Fence fence) throws IOException {
            if (allowed-- <= 0) {
                throw new IOException("connection lost");
            }
            super.replace(name, revision, objects, fence);
        }
    }
}
