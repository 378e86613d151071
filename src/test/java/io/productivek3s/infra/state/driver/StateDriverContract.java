package io.productivek3s.infra.state.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.RevisionInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link StateDriver} does, through the interface only (docs/state.md "State layer and drivers"). A
 * driver's test says how to open two drivers on the same (fresh, empty) backend, as two processes would.
 */
public abstract class StateDriverContract {
    protected static final LockHolder ALICE = new LockHolder("alice", "a", 1, "profile install",
            Instant.parse("2026-11-28T10:00:00Z"));
    protected static final LockHolder BOB = new LockHolder("bob", "b", 2, "profile status",
            Instant.parse("2026-11-28T10:01:00Z"));

    private StateDriver first;

    /** A driver on this test's backend; every call within one test sees the same backend. */
    protected abstract StateDriver open() throws Exception;

    protected final StateDriver driver() throws Exception {
        if (first == null) {
            first = open();
        }
        return first;
    }

    @AfterEach
    void closeDriver() throws IOException {
        if (first != null) {
            first.close();
        }
    }

    @Test
    public void objectsAreStoredOnceAndReadBack() throws Exception {
        StateDriver d = driver();
        byte[] content = "hello".getBytes(StandardCharsets.UTF_8);
        String sha = sha256(content);
        assertThat(d.missing("alpha", List.of(sha))).containsExactly(sha);
        assertThat(d.put("alpha", sha, content.length, () -> new ByteArrayInputStream(content))).isEqualTo(5);
        assertThat(d.put("alpha", sha, content.length, () -> new ByteArrayInputStream(content))).isZero();
        assertThat(d.missing("alpha", List.of(sha))).isEmpty();
        try (InputStream in = d.open("alpha", sha)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        assertThatThrownBy(() -> d.open("alpha", sha256("absent".getBytes()))).isInstanceOf(IOException.class);
    }

    @Test
    public void aSourceThatFailsStoresNothing() throws Exception {
        StateDriver d = driver();
        String sha = sha256("x".getBytes());
        assertThatThrownBy(() -> d.put("alpha", sha, 1, () -> new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("content does not match its digest");
            }
        })).isInstanceOf(IOException.class);
        assertThat(d.missing("alpha", List.of(sha))).containsExactly(sha);
    }

    /**
     * Opaque objects (docs/state.md "State layer and drivers"): bytes stored with putOpaque as given, under an
     * address that is not their digest; both missing calls count them, both opens read them, a record references
     * them and a prune collects them like any other object; a failing source stores nothing; an absent one cannot be
     * opened.
     */
    @Test
    public void opaqueObjectsShareTheNamespaceOfTheOthers() throws Exception {
        StateDriver d = driver();
        String address = "ab".repeat(32);
        byte[] sealed = "PK3E sealed bytes, not the content of their address".getBytes(StandardCharsets.UTF_8);
        assertThat(d.missingOpaque("alpha", List.of(address))).containsExactly(address);
        assertThatThrownBy(() -> d.putOpaque("alpha", address, sealed.length, () -> new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("the sealing stream failed");
            }
        })).isInstanceOf(IOException.class);
        assertThat(d.missingOpaque("alpha", List.of(address))).as("nothing stored").containsExactly(address);
        assertThatThrownBy(() -> d.openOpaque("alpha", address).close()).isInstanceOf(IOException.class);

        assertThat(d.putOpaque("alpha", address, sealed.length, () -> new ByteArrayInputStream(sealed)))
                .isEqualTo(sealed.length);
        assertThat(d.putOpaque("alpha", address, sealed.length, () -> new ByteArrayInputStream(sealed))).isZero();
        assertThat(d.missingOpaque("alpha", List.of(address))).isEmpty();
        assertThat(d.missing("alpha", List.of(address))).isEmpty();
        try (InputStream in = d.openOpaque("alpha", address)) {
            assertThat(in.readAllBytes()).isEqualTo(sealed);
        }
        try (InputStream in = d.open("alpha", address)) {
            assertThat(in.readAllBytes()).isEqualTo(sealed);
        }

        d.append("alpha", NONE, revision("alpha", 1, false), Set.of(address), Fence.NONE);
        d.append("alpha", at(1), revision("alpha", 2, false), Set.of(), Fence.NONE);
        d.prune("alpha", List.of(1L));
        assertThat(d.missingOpaque("alpha", List.of(address))).as("collected").containsExactly(address);
        assertThatThrownBy(() -> d.openOpaque("alpha", address).close()).isInstanceOf(IOException.class);
    }

    @Test
    public void appendIsCompareAndSetAndHistoryIsMetadataOnly() throws Exception {
        StateDriver d = driver();
        String sha = store(d, "alpha", "content");
        d.append("alpha", NONE, revision("alpha", 1, false), Set.of(sha), Fence.NONE);
        d.append("alpha", at(1), revision("alpha", 2, false), Set.of(sha), Fence.NONE);
        assertThatThrownBy(() -> d.append("alpha", at(1), revision("alpha", 3, false), Set.of(sha), Fence.NONE))
                .isInstanceOfSatisfying(StateConflict.class, e -> assertThat(e.kind()).isEqualTo(StateConflict.Kind.RACE));
        d.append("alpha", at(2), revision("alpha", 5, true), Set.of(), Fence.NONE);

        assertThat(d.history("alpha")).extracting(RevisionInfo::revision).containsExactly(1L, 2L, 5L);
        assertThat(d.latest("alpha")).map(RevisionInfo::revision).contains(5L);
        assertThat(d.latest("beta")).isEmpty();
        assertThat(d.history("beta")).isEmpty();
        StoredRevision two = d.read("alpha", 2).orElseThrow();
        assertThat(two.info()).isEqualTo(revision("alpha", 2, false).info());
        assertThat(new String(two.payload(), StandardCharsets.UTF_8)).isEqualTo("payload-2");
        assertThat(new String(two.summary(), StandardCharsets.UTF_8)).isEqualTo("summary-2");
        assertThat(d.read("alpha", 3)).isEmpty();
    }

    @Test
    public void revisionZeroIsARevisionAndNoneIsNotZero() throws Exception {
        StateDriver d = driver();
        d.append("old", NONE, revision("old", 0, false), Set.of(), Fence.NONE);
        assertThatThrownBy(() -> d.append("old", NONE, revision("old", 1, false), Set.of(), Fence.NONE))
                .isInstanceOf(StateConflict.class);
        d.append("old", at(0), revision("old", 1, false), Set.of(), Fence.NONE);
        assertThat(d.history("old")).extracting(RevisionInfo::revision).containsExactly(0L, 1L);
    }

    @Test
    public void headsListTheNewestRevisionOfEveryName() throws Exception {
        StateDriver d = driver();
        d.append("beta", NONE, revision("beta", 1, false), Set.of(), Fence.NONE);
        d.append("alpha", NONE, revision("alpha", 1, false), Set.of(), Fence.NONE);
        d.append("alpha", at(1), revision("alpha", 2, true), Set.of(), Fence.NONE);
        assertThat(d.heads()).extracting(h -> h.info().name() + "@" + h.info().revision())
                .containsExactly("alpha@2", "beta@1");
        assertThat(new String(d.heads().get(1).summary(), StandardCharsets.UTF_8)).isEqualTo("summary-1");
    }

    @Test
    public void appendIsFencedByTheLease() throws Exception {
        StateDriver d = driver();
        StateDriver other = open();
        try {
            StateLocker.Lease alice = d.locker().tryAcquire("alpha", ALICE).lease().orElseThrow();
            assertThat(other.locker().tryAcquire("alpha", BOB).isTaken()).isFalse();
            assertThat(other.locker().holder("alpha")).contains(ALICE);
            assertThatThrownBy(() -> other.append("alpha", NONE, revision("alpha", 1, false), Set.of(), Fence.NONE))
                    .isInstanceOfSatisfying(StateConflict.class,
                            e -> assertThat(e.kind()).isEqualTo(StateConflict.Kind.FENCED));
            d.append("alpha", NONE, revision("alpha", 1, false), Set.of(), alice);
            assertThat(d.locker().renew(alice)).isTrue();
            d.locker().release(alice);
            assertThat(other.locker().holder("alpha")).isEmpty();
            assertThat(d.locker().renew(alice)).isFalse();
            assertThatThrownBy(() -> d.append("alpha", at(1), revision("alpha", 2, false), Set.of(), alice))
                    .isInstanceOf(StateConflict.class);
            StateLocker.Lease bob = other.locker().tryAcquire("alpha", BOB).lease().orElseThrow();
            other.locker().release(bob);
        } finally {
            other.close();
        }
    }

    @Test
    public void pruningForgetsRevisionsAndObjectsNoLongerReferenced() throws Exception {
        StateDriver d = driver();
        String shared = store(d, "alpha", "shared");
        String old = store(d, "alpha", "old");
        d.append("alpha", NONE, revision("alpha", 1, false), Set.of(shared, old), Fence.NONE);
        d.append("alpha", at(1), revision("alpha", 2, false), Set.of(shared), Fence.NONE);
        d.prune("alpha", List.of(1L));
        assertThat(d.history("alpha")).extracting(RevisionInfo::revision).containsExactly(2L);
        assertThat(d.missing("alpha", List.of(shared, old))).containsExactly(old);
    }

    @Test
    public void replaceRewritesARecordKeepingItsNumberAndMetadata() throws Exception {
        StateDriver d = driver();
        String a = store(d, "alpha", "a");
        d.append("alpha", NONE, revision("alpha", 1, false), Set.of(a), Fence.NONE);
        d.append("alpha", at(1), revision("alpha", 2, false), Set.of(a), Fence.NONE);
        String b = store(d, "alpha", "b");
        d.replace("alpha", rewritten(revision("alpha", 1, false)), Set.of(b), Fence.NONE);

        StoredRevision one = d.read("alpha", 1).orElseThrow();
        assertThat(one.info()).isEqualTo(revision("alpha", 1, false).info());
        assertThat(new String(one.summary(), StandardCharsets.UTF_8)).isEqualTo("new-summary-1");
        assertThat(new String(one.payload(), StandardCharsets.UTF_8)).isEqualTo("new-payload-1");
        assertThat(d.history("alpha")).extracting(RevisionInfo::revision).containsExactly(1L, 2L);
        assertThat(d.latest("alpha")).map(RevisionInfo::revision).contains(2L);
        assertThat(new String(d.read("alpha", 2).orElseThrow().payload(), StandardCharsets.UTF_8))
                .isEqualTo("payload-2");
        // the newest revision too: it stays the newest, and heads list its new summary
        d.replace("alpha", rewritten(revision("alpha", 2, false)), Set.of(b), Fence.NONE);
        assertThat(d.heads()).singleElement().satisfies(h -> {
            assertThat(h.info()).isEqualTo(revision("alpha", 2, false).info());
            assertThat(new String(h.summary(), StandardCharsets.UTF_8)).isEqualTo("new-summary-2");
        });
        d.append("alpha", at(2), revision("alpha", 3, false), Set.of(b), Fence.NONE);
        assertThat(d.history("alpha")).extracting(RevisionInfo::revision).containsExactly(1L, 2L, 3L);
    }

    @Test
    public void replaceIsRefusedForARevisionThatIsNotKept() throws Exception {
        StateDriver d = driver();
        d.append("alpha", NONE, revision("alpha", 1, false), Set.of(), Fence.NONE);
        d.append("alpha", at(1), revision("alpha", 2, false), Set.of(), Fence.NONE);
        d.prune("alpha", List.of(1L));
        for (StoredRevision absent : List.of(revision("alpha", 1, false), revision("alpha", 7, false),
                revision("beta", 1, false))) {
            assertThatThrownBy(() -> d.replace(absent.info().name(), rewritten(absent), Set.of(), Fence.NONE))
                    .isInstanceOf(IOException.class).isNotInstanceOf(StateConflict.class);
        }
        assertThat(d.history("alpha")).extracting(RevisionInfo::revision).containsExactly(2L);
        assertThat(d.history("beta")).isEmpty();
        assertThat(d.heads()).extracting(h -> h.info().name()).containsExactly("alpha");
    }

    @Test
    public void replaceIsFencedByTheLease() throws Exception {
        StateDriver d = driver();
        StateDriver other = open();
        try {
            d.append("alpha", NONE, revision("alpha", 1, false), Set.of(), Fence.NONE);
            StateLocker.Lease alice = d.locker().tryAcquire("alpha", ALICE).lease().orElseThrow();
            assertThatThrownBy(() -> other.replace("alpha", rewritten(revision("alpha", 1, false)), Set.of(),
                    Fence.NONE)).isInstanceOfSatisfying(StateConflict.class,
                            e -> assertThat(e.kind()).isEqualTo(StateConflict.Kind.FENCED));
            assertThat(new String(d.read("alpha", 1).orElseThrow().payload(), StandardCharsets.UTF_8))
                    .isEqualTo("payload-1");
            d.replace("alpha", rewritten(revision("alpha", 1, false)), Set.of(), alice);
            assertThat(new String(d.read("alpha", 1).orElseThrow().payload(), StandardCharsets.UTF_8))
                    .isEqualTo("new-payload-1");
            d.locker().release(alice);
            assertThatThrownBy(() -> d.replace("alpha", revision("alpha", 1, false), Set.of(), alice))
                    .isInstanceOf(StateConflict.class);
            assertThat(new String(d.read("alpha", 1).orElseThrow().payload(), StandardCharsets.UTF_8))
                    .isEqualTo("new-payload-1");
        } finally {
            other.close();
        }
    }

    @Test
    public void objectsOnlyTheOldRecordReferencedAreCollectedByTheNextPrune() throws Exception {
        StateDriver d = driver();
        String kept = store(d, "alpha", "kept");
        String old = store(d, "alpha", "old");
        d.append("alpha", NONE, revision("alpha", 1, false), Set.of(kept, old), Fence.NONE);
        d.append("alpha", at(1), revision("alpha", 2, false), Set.of(kept), Fence.NONE);
        String fresh = store(d, "alpha", "new");
        d.replace("alpha", rewritten(revision("alpha", 1, false)), Set.of(kept, fresh), Fence.NONE);
        // until the next prune an object the old record named stays (a reader of the old record may still need it)
        assertThat(d.missing("alpha", List.of(kept, old, fresh))).isEmpty();
        d.prune("alpha", List.of());
        assertThat(d.missing("alpha", List.of(kept, old, fresh))).containsExactly(old);
        assertThat(d.history("alpha")).extracting(RevisionInfo::revision).containsExactly(1L, 2L);
    }

    @Test
    public void pruneWithNothingToForgetOnlyCollects() throws Exception {
        // Whether an object no record ever referenced is collected is the driver's business (it may be a concurrent
        // writer's upload, docs/state.md "PostgreSQL backend"); what a replaced record stopped naming is collected.
        StateDriver d = driver();
        String referenced = store(d, "alpha", "referenced");
        String before = store(d, "alpha", "before");
        d.append("alpha", NONE, revision("alpha", 1, false), Set.of(referenced, before), Fence.NONE);
        d.replace("alpha", revision("alpha", 1, false), Set.of(referenced), Fence.NONE);
        d.prune("alpha", List.of());
        assertThat(d.history("alpha")).extracting(RevisionInfo::revision).containsExactly(1L);
        assertThat(d.missing("alpha", List.of(referenced, before))).containsExactly(before);
        d.prune("nobody", List.of());
        assertThat(d.missing("alpha", List.of(referenced))).isEmpty();
    }

    @Test
    public void settingsAreWrittenOnce() throws Exception {
        StateDriver d = driver();
        assertThat(d.setting("salt")).isEmpty();
        assertThat(d.putSettingIfAbsent("salt", new byte[] {1, 2})).containsExactly(1, 2);
        assertThat(d.putSettingIfAbsent("salt", new byte[] {3})).containsExactly(1, 2);
        assertThat(d.setting("salt")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2));
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static final OptionalLong NONE = OptionalLong.empty();

    private static OptionalLong at(long revision) {
        return OptionalLong.of(revision);
    }

    protected static String store(StateDriver d, String name, String text) throws IOException {
        byte[] content = text.getBytes(StandardCharsets.UTF_8);
        String sha = sha256(content);
        d.put(name, sha, content.length, () -> new ByteArrayInputStream(content));
        return sha;
    }

    protected static StoredRevision revision(String name, long n, boolean removed) {
        RevisionInfo info = new RevisionInfo(name, n, Instant.parse("2026-11-28T10:00:00Z").plusSeconds(n),
                "alice@a", "profile install", "success", 0, "demo", "1.0.0", null,
                removed ? null : "ab".repeat(32), removed ? 0 : 1, removed ? 0 : 7, removed);
        return new StoredRevision(info, ("summary-" + n).getBytes(StandardCharsets.UTF_8),
                ("payload-" + n).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code r} with another summary and payload, as a re-encryption rewrites it. */
    protected static StoredRevision rewritten(StoredRevision r) {
        long n = r.info().revision();
        return new StoredRevision(r.info(), ("new-summary-" + n).getBytes(StandardCharsets.UTF_8),
                ("new-payload-" + n).getBytes(StandardCharsets.UTF_8));
    }

    protected static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
