package io.productivek3s.infra.state.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StoredRevision;
import io.productivek3s.infra.util.Digests;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the decorator adds to a driver: nothing readable reaches the backend, and every misuse is exit 4. */
class EncryptingDriverTest {
    private static final String TOKEN = "K10planted-join-token-7f3a";
    private static final String PASSWORD = "planted-db-password-9d2c";
    private static final byte[] TFSTATE = ("{\"resources\": [{\"password\": \"" + PASSWORD + "\"}]}").getBytes(StandardCharsets.UTF_8);
    private static final byte[] ENV = ("K3S_TOKEN=" + TOKEN + "\n").getBytes(StandardCharsets.UTF_8);

    private final StateKey key1 = SealedTest.key(1);
    private final StateKey key2 = SealedTest.key(2);
    private final RecordingDriver backend = new RecordingDriver();

    @TempDir
    Path dir;

    private EncryptingDriver with(StateKey current, StateKey... old) {
        return new EncryptingDriver(backend, KeyRing.of(current, List.of(old)), new SecureRandom());
    }

    /** A revision as the layer writes one: its objects stored first, then the record naming them. */
    private static void persist(StateDriver driver, String name, long number, byte[]... files) throws IOException {
        StringBuilder manifest = new StringBuilder("{\"files\": [");
        Set<String> shas = new java.util.HashSet<>();
        for (byte[] file : files) {
            String sha = Digests.sha256(file);
            shas.add(sha);
            if (!driver.missing(name, List.of(sha)).isEmpty()) {
                driver.put(name, sha, file.length, () -> new ByteArrayInputStream(file));
            }
            manifest.append("\"").append(sha).append("\",");
        }
        manifest.append("], \"cluster_json\": {\"token\": \"" + TOKEN + "\"}}");
        RevisionInfo info = new RevisionInfo(name, number, Instant.parse("2026-12-07T10:00:00Z"), "alice@a", "profile install",
                "success", 0, "demo", "1.0.0", null, "ab".repeat(32), files.length, 10, false);
        driver.append(name, number == 1 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(number - 1), new StoredRevision(info, ("{\"kubeconfig\": \"" + TOKEN + "\"}").getBytes(StandardCharsets.UTF_8),
                manifest.toString().getBytes(StandardCharsets.UTF_8)), shas, Fence.NONE);
    }

    private static byte[] content(StateDriver driver, String name, byte[] file) throws IOException {
        try (InputStream in = driver.open(name, Digests.sha256(file))) {
            return in.readAllBytes();
        }
    }

    private static int exit(Throwable e) {
        return ((EngineException) e).exitCode();
    }

    @Test
    void plantedSecretsNeverReachTheBackendWhenEncryptionIsOnAndDoWhenItIsOff() throws IOException {
        persist(with(key1), "siteA", 1, TFSTATE, ENV);
        String dump = backend.dump();
        assertThat(dump).contains("object siteA").contains("payload") // the dump holds what was sent
                .doesNotContain(TOKEN).doesNotContain(PASSWORD)
                .doesNotContain(Digests.sha256(TFSTATE)).doesNotContain(Digests.sha256(ENV)); // no plaintext digest either
        assertThat(with(key1).read("siteA", 1).orElseThrow().payload()).asString(StandardCharsets.UTF_8).contains(TOKEN);
        assertThat(content(with(key1), "siteA", TFSTATE)).isEqualTo(TFSTATE);

        RecordingDriver plainBackend = new RecordingDriver();
        persist(new EncryptingDriver(plainBackend, KeyRing.none(), new SecureRandom()), "siteA", 1, TFSTATE, ENV);
        assertThat(plainBackend.dump()).contains(TOKEN).contains(PASSWORD).contains(Digests.sha256(TFSTATE)); // the test can fail
    }

    @Test
    void unchangedContentIsStoredOncePerClusterAndAgainForAnotherCluster() throws IOException {
        EncryptingDriver driver = with(key1);
        String sha = Digests.sha256(TFSTATE);
        persist(driver, "siteA", 1, TFSTATE);
        assertThat(driver.missing("siteA", List.of(sha))).isEmpty();
        assertThat(driver.put("siteA", sha, TFSTATE.length, () -> new ByteArrayInputStream(TFSTATE))).isZero();
        assertThat(driver.missing("siteB", List.of(sha))).containsExactly(sha); // not linkable across clusters
    }

    @Test
    void withoutAKeyOrWithTheWrongKeyReadingIsExitFourNamingClusterRevisionAndKeyId() throws IOException {
        persist(with(key1), "siteA", 1, TFSTATE);
        EncryptingDriver none = new EncryptingDriver(backend, KeyRing.none(), new SecureRandom());
        assertThatThrownBy(() -> none.read("siteA", 1)).isInstanceOf(EngineException.class)
                .hasMessageStartingWith("refusing revision 1 of profile state 'siteA': its encrypted summary is sealed with key "
                        + key1.id() + " and no state key is set")
                .satisfies(e -> assertThat(exit(e)).isEqualTo(4));
        // listing needs no key (docs/state.md "Format"): the summary it cannot open is left out, the metadata stays
        assertThat(none.heads()).singleElement().satisfies(h -> {
            assertThat(h.info().revision()).isEqualTo(1);
            assertThat(h.summary()).isEmpty();
        });
        assertThatThrownBy(() -> with(key2).read("siteA", 1))
                .hasMessageContaining("sealed with key " + key1.id() + ", which is neither the current key (" + key2.id() + ")");
        // an object's address is keyed: under another key it is simply not found (the layer reads the record first)
        assertThatThrownBy(() -> content(with(key2), "siteA", TFSTATE)).isInstanceOf(IOException.class);
        assertThat(none.history("siteA")).hasSize(1); // metadata stays readable: state list/history work keyless
    }

    @Test
    void tamperedCiphertextIsRefused() throws IOException {
        persist(with(key1), "siteA", 1, TFSTATE);
        backend.damage = bytes -> {
            byte[] copy = bytes.clone();
            copy[copy.length - 5] ^= 0x20;
            return copy;
        };
        assertThatThrownBy(() -> with(key1).read("siteA", 1)).hasMessage("refusing revision 1 of profile state 'siteA': "
                + "its encrypted record does not authenticate under key " + key1.id()
                + ": it was changed, or moved from another object or cluster; nothing was changed");
        assertThatThrownBy(() -> content(with(key1), "siteA", TFSTATE)).hasMessageContaining("does not authenticate");
    }

    @Test
    void objectsAndRecordsSwappedBetweenClustersAreRefused() throws IOException {
        byte[] other = "{\"password\": \"site-b\"}".getBytes(StandardCharsets.UTF_8);
        persist(with(key1), "siteA", 1, TFSTATE);
        persist(with(key1), "siteB", 1, other);
        // a database writer copies siteA's sealed object to where siteB's object is
        byte[] sealedA;
        try (InputStream in = backend.backend.open("siteA", key1.address("siteA", Digests.sha256(TFSTATE)))) {
            sealedA = in.readAllBytes();
        }
        String addressB = key1.address("siteB", Digests.sha256(other));
        backend.backend.prune("siteB", List.of(1L)); // drop siteB's object so the swapped bytes can take its address
        backend.backend.put("siteB", addressB, sealedA.length, () -> new ByteArrayInputStream(sealedA));
        assertThatThrownBy(() -> content(with(key1), "siteB", other)).hasMessageContaining("refusing profile state 'siteB'")
                .hasMessageContaining("does not authenticate");
        // and siteA's record payload put in place of siteB's revision
        byte[] payloadA = backend.backend.read("siteA", 1).orElseThrow().payload();
        RevisionInfo infoB = new RevisionInfo("siteB", 2, Instant.parse("2026-12-07T11:00:00Z"), "mallory@x", "profile install",
                "success", 0, "demo", "1.0.0", null, "ab".repeat(32), 1, 10, false);
        backend.backend.append("siteB", java.util.OptionalLong.empty(), new StoredRevision(infoB, new byte[0], payloadA), Set.of(), Fence.NONE);
        assertThatThrownBy(() -> with(key1).read("siteB", 2)).hasMessageStartingWith("refusing revision 2 of profile state 'siteB'")
                .hasMessageContaining("does not authenticate");
    }

    @Test
    void plainAndSealedRevisionsOfOneClusterAreBothReadable() throws IOException {
        persist(new EncryptingDriver(backend, KeyRing.none(), new SecureRandom()), "siteA", 1, ENV); // before encryption
        byte[] newer = "{\"serial\": 2}".getBytes(StandardCharsets.UTF_8);
        persist(with(key1), "siteA", 2, ENV, newer);
        EncryptingDriver driver = with(key1);
        assertThat(driver.read("siteA", 1).orElseThrow().payload()).asString(StandardCharsets.UTF_8).contains(TOKEN);
        assertThat(driver.read("siteA", 2).orElseThrow().payload()).asString(StandardCharsets.UTF_8).contains(TOKEN);
        assertThat(content(driver, "siteA", ENV)).isEqualTo(ENV);
        assertThat(content(driver, "siteA", newer)).isEqualTo(newer);
        backend.backend.prune("siteA", List.of(1L)); // the plain revision pruned: its plain object goes, the sealed copy stays
        assertThat(content(driver, "siteA", ENV)).isEqualTo(ENV);
        assertThat(backend.backend.missing("siteA", List.of(Digests.sha256(ENV)))).containsExactly(Digests.sha256(ENV));
    }

    @Test
    void anOldKeyReadsWhatItSealedAndTheNewKeySealsWhatIsWrittenNow() throws IOException {
        persist(with(key1), "siteA", 1, TFSTATE);
        EncryptingDriver rotated = with(key2, key1);
        assertThat(rotated.read("siteA", 1).orElseThrow().payload()).asString(StandardCharsets.UTF_8).contains(TOKEN);
        assertThat(content(rotated, "siteA", TFSTATE)).isEqualTo(TFSTATE);
        assertThat(rotated.missing("siteA", List.of(Digests.sha256(TFSTATE)))).isEmpty(); // readable through the old key
        persist(rotated, "siteA", 2, TFSTATE); // not uploaded again: append re-seals it under key 2
        assertThat(backend.backend.missing("siteA", List.of(key2.address("siteA", Digests.sha256(TFSTATE))))).isEmpty();
        backend.backend.prune("siteA", List.of(1L)); // revision 1 (and its key-1 object) gone
        assertThat(Sealed.keyId(backend.backend.read("siteA", 2).orElseThrow().payload())).contains(key2.id());
        assertThat(content(with(key2), "siteA", TFSTATE)).isEqualTo(TFSTATE); // revision 2 needs key 2 only
        EncryptingDriver decrypting = rotated.decrypting();
        persist(decrypting, "siteA", 3, TFSTATE); // migrate --decrypt writes plain
        assertThat(new String(backend.backend.read("siteA", 3).orElseThrow().payload(), StandardCharsets.UTF_8)).contains(TOKEN);
    }

    @Test
    void aRecordNeverNamesAnObjectTheCurrentKeyCannotFind() throws IOException {
        persist(new EncryptingDriver(backend, KeyRing.none(), new SecureRandom()), "siteA", 1, TFSTATE); // plain
        EncryptingDriver sealed = with(key1);
        String sha = Digests.sha256(TFSTATE);
        assertThat(sealed.missing("siteA", List.of(sha))).isEmpty();
        // a rollback: a new record naming the plain revision's objects, nothing uploaded by the layer
        RevisionInfo info = new RevisionInfo("siteA", 2, Instant.parse("2026-12-07T10:00:00Z"), "alice@a", "state rollback",
                "success", 0, "demo", "1.0.0", null, "ab".repeat(32), 1, 10, false);
        sealed.append("siteA", java.util.OptionalLong.of(1), new StoredRevision(info, new byte[0], "{}".getBytes()),
                Set.of(sha), Fence.NONE);
        backend.backend.prune("siteA", List.of(1L));
        assertThat(backend.backend.missing("siteA", List.of(sha))).containsExactly(sha); // the plain copy is gone
        assertThat(content(with(key1), "siteA", TFSTATE)).isEqualTo(TFSTATE); // the sealed one serves
        String sealedPart = backend.dump().substring(backend.dump().indexOf("state rollback"));
        assertThat(sealedPart).doesNotContain(PASSWORD);
    }

    @Test
    void aPlainObjectWhoseBytesWereChangedIsNotResealed() throws IOException {
        persist(new EncryptingDriver(backend, KeyRing.none(), new SecureRandom()), "siteA", 1, TFSTATE);
        backend.damage = bytes -> "forged".getBytes(StandardCharsets.UTF_8);
        RevisionInfo info = new RevisionInfo("siteA", 2, Instant.parse("2026-12-07T10:00:00Z"), "alice@a", "state rollback",
                "success", 0, "demo", "1.0.0", null, "ab".repeat(32), 1, 10, false);
        assertThatThrownBy(() -> with(key1).append("siteA", java.util.OptionalLong.of(1), new StoredRevision(info, new byte[0],
                "{}".getBytes()), Set.of(Digests.sha256(TFSTATE)), Fence.NONE)).isInstanceOf(IOException.class)
                .hasMessageContaining("does not match its digest");
        assertThat(backend.backend.history("siteA")).hasSize(1); // no record written
    }

    @Test
    void twoWorkstationsWithTheSameKeyFileOrPassphraseShareState() throws IOException {
        Path keyFile = dir.resolve("state.key");
        KeyGen.write(keyFile, new SecureRandom());
        Map<String, String> env = Map.of(StateKeys.KEY_FILE, keyFile.toString());
        persist(EncryptingDriver.wrap(backend, env, dir::resolve), "siteA", 1, TFSTATE);
        EncryptingDriver second = EncryptingDriver.wrap(backend, env, dir::resolve);
        assertThat(content(second, "siteA", TFSTATE)).isEqualTo(TFSTATE);

        Path pass = dir.resolve("pass");
        Files.writeString(pass, "correct horse battery staple\n");
        Files.setPosixFilePermissions(pass, PosixFilePermissions.fromString("rw-------"));
        RecordingDriver shared = new RecordingDriver();
        Map<String, String> byPassphrase = Map.of(StateKeys.PASSPHRASE_FILE, pass.toString());
        EncryptingDriver alice = EncryptingDriver.wrap(shared, byPassphrase, dir::resolve);
        persist(alice, "siteA", 1, TFSTATE);
        EncryptingDriver bob = EncryptingDriver.wrap(shared, byPassphrase, dir::resolve);
        assertThat(bob.keys().current().orElseThrow().id()).isEqualTo(alice.keys().current().orElseThrow().id());
        assertThat(content(bob, "siteA", TFSTATE)).isEqualTo(TFSTATE);
        assertThat(shared.dump()).doesNotContain("correct horse");
    }

    /**
     * On the local backend a sealed object lives in {@code .history/opaque/}, never among the content-addressed
     * objects, and is opened from there alone (the driver's opaque calls, docs/state.md "State layer and drivers")
     * still authenticated: a changed or cut object file is exit 4 naming the key id, the intact one reads.
     */
    @Test
    void theLocalBackendKeepsSealedObjectsOpaqueAndStillAuthenticatesThemOnRead() throws IOException {
        Path state = dir.resolve("state");
        EncryptingDriver local = new EncryptingDriver(io.productivek3s.infra.state.local.LocalDriver.open(state),
                KeyRing.of(key1, List.of()), new SecureRandom());
        persist(local, "siteA", 1, TFSTATE, ENV);
        assertThat(content(local, "siteA", TFSTATE)).isEqualTo(TFSTATE);
        assertThat(state.resolve(".history/objects")).as("nothing content-addressed, not even a temp file: sealed"
                + " bytes are written straight into opaque/").doesNotExist();
        String address = key1.address("siteA", Digests.sha256(TFSTATE));
        Path object = state.resolve(".history/opaque").resolve(address.substring(0, 2)).resolve(address);
        byte[] sealed = Files.readAllBytes(object);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(PASSWORD);

        byte[] changed = sealed.clone();
        changed[changed.length - 20] ^= 1;
        replace(object, changed);
        assertThatThrownBy(() -> content(local, "siteA", TFSTATE)).satisfies(e -> assertThat(exit(e)).isEqualTo(4))
                .hasMessageContaining("does not authenticate under key " + key1.id());
        replace(object, java.util.Arrays.copyOf(sealed, Sealed.HEADER));
        assertThatThrownBy(() -> content(local, "siteA", TFSTATE)).satisfies(e -> assertThat(exit(e)).isEqualTo(4))
                .hasMessageContaining("(key " + key1.id() + ") is truncated");
        replace(object, sealed);
        assertThat(content(local, "siteA", TFSTATE)).isEqualTo(TFSTATE);
    }

    /**
     * The local driver neither hashes a sealed object nor looks for it among content-addressed ones; GCM and the
     * binding are what still verify it: a sealed object file moved over another one of the same cluster, or over
     * the same object of another cluster, is exit 4 naming the key id, never the other object's content.
     */
    @Test
    void sealedObjectsSwappedOnTheLocalBackendAreRefused() throws IOException {
        Path state = dir.resolve("state");
        EncryptingDriver local = new EncryptingDriver(io.productivek3s.infra.state.local.LocalDriver.open(state),
                KeyRing.of(key1, List.of()), new SecureRandom());
        persist(local, "siteA", 1, TFSTATE, ENV);
        persist(local, "siteB", 1, TFSTATE);
        Path tfstateA = opaqueFile(state, key1.address("siteA", Digests.sha256(TFSTATE)));
        Path envA = opaqueFile(state, key1.address("siteA", Digests.sha256(ENV)));
        Path tfstateB = opaqueFile(state, key1.address("siteB", Digests.sha256(TFSTATE)));
        byte[] tfstateSealed = Files.readAllBytes(tfstateA);

        replace(tfstateA, Files.readAllBytes(envA));
        assertThatThrownBy(() -> content(local, "siteA", TFSTATE)).satisfies(e -> assertThat(exit(e)).isEqualTo(4))
                .hasMessageContaining("does not authenticate under key " + key1.id());
        replace(tfstateA, Files.readAllBytes(tfstateB));
        assertThatThrownBy(() -> content(local, "siteA", TFSTATE)).satisfies(e -> assertThat(exit(e)).isEqualTo(4))
                .hasMessageContaining("does not authenticate under key " + key1.id());
        replace(tfstateA, tfstateSealed);
        assertThat(content(local, "siteA", TFSTATE)).isEqualTo(TFSTATE);
    }

    /**
     * After a rotation on the local backend, objects under the old key are found where they are (the driver's
     * opaque calls for keyed addresses, its ordinary ones for plain digests) and a record under the new key gets its
     * objects resealed first (then the old key is no longer needed); a plain object written before encryption is
     * still read from the content-addressed tree.
     */
    @Test
    void theLocalBackendReadsOldKeysAndPlainObjectsAndReseals() throws IOException {
        Path state = dir.resolve("state");
        StateDriver driver = io.productivek3s.infra.state.local.LocalDriver.open(state);
        persist(new EncryptingDriver(driver, KeyRing.none(), new SecureRandom()), "siteA", 1, ENV);
        persist(new EncryptingDriver(driver, KeyRing.of(key1, List.of()), new SecureRandom()), "siteA", 2, TFSTATE);
        assertThat(state.resolve(".history/objects").resolve(Digests.sha256(ENV).substring(0, 2))
                .resolve(Digests.sha256(ENV))).as("plain: content-addressed").hasBinaryContent(ENV);

        EncryptingDriver rotated = new EncryptingDriver(driver, KeyRing.of(key2, List.of(key1)), new SecureRandom());
        assertThat(content(rotated, "siteA", TFSTATE)).isEqualTo(TFSTATE);
        assertThat(content(rotated, "siteA", ENV)).isEqualTo(ENV);
        assertThat(rotated.missing("siteA", List.of(Digests.sha256(TFSTATE), Digests.sha256(ENV))))
                .as("readable elsewhere counts as stored").isEmpty();
        persist(rotated, "siteA", 3, TFSTATE, ENV);
        assertThat(opaqueFile(state, key2.address("siteA", Digests.sha256(TFSTATE)))).exists();
        assertThat(opaqueFile(state, key2.address("siteA", Digests.sha256(ENV)))).exists();
        EncryptingDriver newKeyOnly = new EncryptingDriver(driver, KeyRing.of(key2, List.of()), new SecureRandom());
        assertThat(content(newKeyOnly, "siteA", TFSTATE)).isEqualTo(TFSTATE);
        assertThat(content(newKeyOnly, "siteA", ENV)).isEqualTo(ENV);
    }

    /**
     * The first read that checks a stored object is there (up to {@link EncryptingDriver#FIRST_READ} bytes) hands
     * its bytes on: an object of several chunks, bigger than that read, opens whole on every backend, and a cut one is
     * still refused.
     */
    @Test
    void anObjectBiggerThanTheFirstReadOpensWholeAndACutOneIsRefused() throws IOException {
        byte[] big = new byte[3 * Sealed.CHUNK + 1234];
        new java.util.Random(7).nextBytes(big);
        EncryptingDriver memory = with(key1);
        EncryptingDriver local = new EncryptingDriver(io.productivek3s.infra.state.local.LocalDriver.open(
                dir.resolve("state")), KeyRing.of(key1, List.of()), new SecureRandom());
        for (EncryptingDriver driver : List.of(memory, local)) {
            persist(driver, "siteA", 1, big, ENV);
            assertThat(content(driver, "siteA", big)).isEqualTo(big);
            assertThat(content(driver, "siteA", ENV)).isEqualTo(ENV);
        }
        backend.damage = bytes -> java.util.Arrays.copyOf(bytes, bytes.length - 1234 - Sealed.TAG); // the last chunk
        assertThatThrownBy(() -> content(memory, "siteA", big)).satisfies(e -> assertThat(exit(e)).isEqualTo(4))
                .hasMessageContaining("(key " + key1.id() + ") is truncated");
    }

    /**
     * A driver may say "not stored" with a stream that ends at once rather than an exception: the object is then
     * looked up elsewhere (here: plain, written before encryption), not taken for a truncated sealed one.
     */
    @Test
    void aDriverThatAnswersAnAbsentObjectWithAnEmptyStreamStillFallsBack() throws IOException {
        persist(new EncryptingDriver(backend, KeyRing.none(), new SecureRandom()), "siteA", 1, ENV);
        StateDriver emptyWhenAbsent = new io.productivek3s.infra.state.driver.ForwardingDriver(backend) {
            @Override
            public InputStream openOpaque(String name, String address) throws IOException {
                return missingOpaque(name, List.of(address)).isEmpty() ? super.openOpaque(name, address)
                        : InputStream.nullInputStream();
            }
        };
        EncryptingDriver driver = new EncryptingDriver(emptyWhenAbsent, KeyRing.of(key1, List.of()), new SecureRandom());
        assertThat(content(driver, "siteA", ENV)).isEqualTo(ENV);
    }

    private static Path opaqueFile(Path state, String address) {
        return state.resolve(".history/opaque").resolve(address.substring(0, 2)).resolve(address);
    }

    /** Rewrites a read-only (0400) object file as a writer with the state directory's rights could. */
    private static void replace(Path object, byte[] bytes) throws IOException {
        Files.setPosixFilePermissions(object, PosixFilePermissions.fromString("rw-------"));
        Files.write(object, bytes);
        Files.setPosixFilePermissions(object, PosixFilePermissions.fromString("r--------"));
    }
}
