package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.ObjectSource;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateLocker;
import io.productivek3s.infra.state.driver.StoredRevision;
import io.productivek3s.infra.util.DigestCheckedStream;
import io.productivek3s.infra.util.Files2;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Encryption at rest as a driver decorator (docs/state.md "Encryption at rest"): it wraps any {@link StateDriver}
 * (local files, PostgreSQL, memory), so the state layer and the drivers know nothing of it.
 *
 * <ul>
 * <li><b>Objects</b> are sealed ({@link Sealed}) and stored under a keyed address ({@link StateKey#address}) instead
 *     of their plain sha256; the layer keeps asking by plain digest and this class maps. The object sets given to
 *     {@code append} are mapped too, so the backend never holds a plaintext digest. A keyed address is stored, asked
 *     about and read through the driver's opaque calls ({@link StateDriver#putOpaque} and the others): the driver
 *     need not hash sealed bytes or look for them among content-addressed ones (docs/state.md "State layer and
 *     drivers", opaque objects); a plain digest through the ordinary ones, so a plain object is still checked as it
 *     always was.</li>
 * <li><b>Records</b>: the summary and payload are sealed, bound to their cluster and revision; the metadata
 *     ({@link RevisionInfo}) stays plain because {@code state list} and {@code state history} show it.</li>
 * <li><b>Mixed state</b> is read: a plain record or object (written before encryption, or by {@code state migrate
 *     --decrypt}) passes through, sealed ones are opened with the key their header names (current or old), so a
 *     backend can be migrated revision by revision.</li>
 * </ul>
 *
 * Always installed, even without a key: then it writes plain state, and a sealed item read is exit 4 naming the
 * cluster, the revision and the key id, before anything is written (rather than the layer choking on ciphertext).
 */
public final class EncryptingDriver implements StateDriver {
    static final String SUMMARY = "summary";
    /** The first read of a stored object: the whole of a small one, with the sealed header (26 bytes). */
    static final int FIRST_READ = 8192;

    private final StateDriver inner;
    private final KeyRing keys;
    private final SecureRandom random;

    public EncryptingDriver(StateDriver inner, KeyRing keys, SecureRandom random) {
        this.inner = inner;
        this.keys = keys;
        this.random = random;
    }

    /**
     * {@code inner} wrapped with the keys {@code env} names ({@link StateKeys#load}); a passphrase's salt is kept in
     * {@code inner}'s settings and the passphrase derived here (one process opens a backend through one
     * {@link StateEncryption}, which does this once).
     */
    public static EncryptingDriver wrap(StateDriver inner, Map<String, String> env, Function<String, Path> resolve) {
        return new EncryptingDriver(inner, keysFor(inner, env, resolve), new SecureRandom());
    }

    static KeyRing keysFor(StateDriver inner, Map<String, String> env, Function<String, Path> resolve) {
        try {
            return StateKeys.load(env, resolve, inner);
        } catch (IOException e) {
            throw StateEncryption.settingsFailed(inner, e);
        }
    }

    /** The keys this driver seals and opens with (for {@code doctor} and messages: ids only). */
    public KeyRing keys() {
        return keys;
    }

    /** This driver reading with the same keys but writing plain state ({@code state migrate --decrypt}). */
    public EncryptingDriver decrypting() {
        return new EncryptingDriver(inner, keys.readOnly(), random);
    }

    @Override
    public String description() {
        return inner.description();
    }

    // ---- objects -------------------------------------------------------------------------------------------

    /**
     * The digests not readable for {@code name}: stored neither where this driver writes (the current key's address,
     * or plain without a key) nor anywhere else it can read (an old key's address, plain). An object readable only
     * from elsewhere counts as stored (a rollback to an old revision needs it), and {@link #append} stores it where
     * this driver writes before a record names it.
     */
    @Override
    public Set<String> missing(String name, Collection<String> sha256s) throws IOException {
        if (keys.current().isEmpty() && keys.oldIds().isEmpty()) {
            return inner.missing(name, sha256s);
        }
        Map<String, List<String>> fallbacks = new LinkedHashMap<>();
        for (String sha256 : missingWhereWritten(name, sha256s)) {
            fallbacks.put(sha256, elsewhere(name, sha256));
        }
        List<String> keyed = new ArrayList<>();
        List<String> plain = new ArrayList<>();
        fallbacks.forEach((sha256, where) -> where.forEach(
                address -> (address.equals(sha256) ? plain : keyed).add(address)));
        Set<String> absent = absent(name, keyed, plain);
        Set<String> missing = new HashSet<>();
        fallbacks.forEach((sha256, where) -> {
            if (absent.containsAll(where)) {
                missing.add(sha256);
            }
        });
        return missing;
    }

    /** Where this driver writes object {@code sha256}: its address under the current key, or plain without one. */
    private String written(String name, String sha256) {
        return keys.current().map(key -> key.address(name, sha256)).orElse(sha256);
    }

    /**
     * The addresses among {@code keyed} (keyed: opaque) and {@code plain} (plain digests) that {@code inner} does not
     * hold, each kind asked as what it is; none asked, no call.
     */
    private Set<String> absent(String name, Collection<String> keyed, Collection<String> plain) throws IOException {
        Set<String> absent = new HashSet<>();
        if (!keyed.isEmpty()) {
            absent.addAll(inner.missingOpaque(name, keyed));
        }
        if (!plain.isEmpty()) {
            absent.addAll(inner.missing(name, plain));
        }
        return absent;
    }

    /** The digests whose object is not stored where this driver writes it. */
    private Set<String> missingWhereWritten(String name, Collection<String> sha256s) throws IOException {
        Map<String, String> byAddress = new LinkedHashMap<>();
        for (String sha256 : sha256s) {
            byAddress.put(written(name, sha256), sha256);
        }
        Set<String> absent = keys.current().isPresent() ? inner.missingOpaque(name, byAddress.keySet())
                : inner.missing(name, byAddress.keySet());
        Set<String> missing = new HashSet<>();
        for (String address : absent) {
            missing.add(byAddress.get(address));
        }
        return missing;
    }

    /** Where else object {@code sha256} may be readable: each key's address, then plain, but where it is written. */
    private List<String> elsewhere(String name, String sha256) {
        String written = written(name, sha256);
        List<String> where = new ArrayList<>();
        for (StateKey key : keys.all()) {
            where.add(key.address(name, sha256));
        }
        where.add(sha256);
        where.remove(written);
        return where;
    }

    /** Sealed under the current key at its keyed address; plain (the source as given, its file included) without one. */
    @Override
    public long put(String name, String sha256, long size, ObjectSource source) throws IOException {
        Optional<StateKey> key = keys.current();
        if (key.isEmpty()) {
            return inner.put(name, sha256, size, source);
        }
        String address = key.get().address(name, sha256);
        Binding binding = Binding.object(name, address);
        long sent = inner.putOpaque(name, address, Sealed.sealedSize(size),
                () -> Sealed.seal(key.get(), source.open(), binding, random));
        return sent == 0 ? 0 : size; // the content's bytes, as a plain driver counts them (the seal adds 42, and 16 per 64 KiB)
    }

    /**
     * The plain content of object {@code sha256}: at its address under the current key (one call, the usual case),
     * else wherever {@code missing} finds it first — under an old key's address, or plain under its digest.
     */
    @Override
    public InputStream open(String name, String sha256) throws IOException {
        List<String> candidates = new ArrayList<>();
        Map<String, StateKey> keyOf = new HashMap<>();
        for (StateKey key : keys.all()) {
            String address = key.address(name, sha256);
            candidates.add(address);
            keyOf.put(address, key);
        }
        candidates.add(sha256);
        if (keys.current().isPresent()) {
            String address = candidates.get(0);
            Optional<InputStream> stored = nonEmpty(name, address);
            if (stored.isPresent()) {
                return opened(name, address, stored.get());
            }
        }
        Set<String> missing = candidates.size() == 1 ? Set.of() : absent(name, keyOf.keySet(), List.of(sha256));
        for (String candidate : candidates) {
            if (!missing.contains(candidate)) {
                return keyOf.containsKey(candidate) ? opened(name, candidate, inner.openOpaque(name, candidate))
                        : inner.open(name, candidate);
            }
        }
        return inner.open(name, sha256); // the driver's own "missing" error
    }

    /**
     * The opaque object at {@code address} if it is there. A sealed object is never empty, and a driver may say
     * "not stored" by an exception on open or by a stream that fails or ends at once, so its first bytes are read to
     * know; a backend that is really failing fails again in the lookup that follows. One read of up to
     * {@link #FIRST_READ} bytes, handed on with the rest of the stream: for a small object that read is the whole
     * object and the header's, so opening it costs the reads a plain object costs (its bytes, then the end), not a
     * one-byte read and a header read more (docs/performance.md "Per-object costs on the local backend, round 3").
     */
    private Optional<InputStream> nonEmpty(String name, String address) {
        InputStream in = null;
        try {
            in = inner.openOpaque(name, address);
            byte[] first = new byte[FIRST_READ];
            int n = in.read(first);
            if (n > 0) {
                return Optional.of(new SequenceInputStream(new ByteArrayInputStream(first, 0, n), in));
            }
        } catch (IOException notUnderTheCurrentKey) {
            // looked up by the caller
        }
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing was read from it
            }
        }
        return Optional.empty();
    }

    private InputStream opened(String name, String address, InputStream sealed) {
        return Sealed.open(keys, sealed, Binding.object(name, address));
    }

    // ---- revision records ----------------------------------------------------------------------------------

    /**
     * Listing needs only the plain metadata (docs/state.md "Format": {@code state list} works without a key): a
     * summary sealed under a key this process does not hold is handed up empty, and the layer lists the revision from
     * its metadata. A summary it holds the key of is opened, so a tampered one is still refused.
     */
    @Override
    public List<Head> heads() throws IOException {
        List<Head> heads = new ArrayList<>();
        for (Head head : inner.heads()) {
            RevisionInfo info = head.info();
            byte[] summary = head.summary();
            if (!Sealed.isSealed(summary)) { // plain: nothing to open (no binding built per cluster of a listing)
                heads.add(head);
                continue;
            }
            boolean readable = Sealed.keyId(summary).flatMap(keys::find).isPresent();
            heads.add(new Head(info, readable ? open(summaryBinding(info.name(), info.revision()), summary) : new byte[0],
                    head.lastAction()));
        }
        return heads;
    }

    @Override
    public Optional<RevisionInfo> latest(String name) throws IOException {
        return inner.latest(name);
    }

    @Override
    public List<RevisionInfo> history(String name) throws IOException {
        return inner.history(name);
    }

    @Override
    public Optional<StoredRevision> read(String name, long revision) throws IOException {
        Optional<StoredRevision> stored = inner.read(name, revision);
        if (stored.isEmpty()) {
            return stored;
        }
        StoredRevision record = stored.get();
        return Optional.of(new StoredRevision(record.info(), open(summaryBinding(name, revision), record.summary()),
                open(Binding.record(name, revision), record.payload())));
    }

    @Override
    public void append(String name, java.util.OptionalLong expectedLatest, StoredRevision revision, Set<String> objects,
            Fence fence) throws IOException {
        if (keys.current().isEmpty() && keys.oldIds().isEmpty()) {
            inner.append(name, expectedLatest, revision, objects, fence);
            return;
        }
        inner.append(name, expectedLatest, asWritten(name, revision, objects), addresses(name, objects), fence);
    }

    /**
     * The record rewritten as this driver writes now (docs/state.md "Mixed state, rotation, migration"): its objects
     * first stored where this driver writes them (sealed under the current key, or plain when it writes plain), then
     * the record, sealed the same way and naming their addresses, replaced in one step. So {@code state rekey} and
     * {@code state migrate --encrypt|--decrypt} leave, after a crash, every revision readable with the old and the
     * new keys; the objects only the old record named stay until the next prune collects them.
     */
    @Override
    public void replace(String name, StoredRevision revision, Set<String> objects, Fence fence) throws IOException {
        inner.replace(name, asWritten(name, revision, objects), addresses(name, objects), fence);
    }

    /**
     * {@code revision} as this driver stores it, after every object of {@code objects} not yet stored where it writes
     * was copied there ({@link #rewrite}): a record never names an object its own key cannot find.
     */
    private StoredRevision asWritten(String name, StoredRevision revision, Set<String> objects) throws IOException {
        for (String sha256 : missingWhereWritten(name, objects)) {
            rewrite(name, sha256);
        }
        long number = revision.info().revision();
        Optional<StateKey> key = keys.current();
        return key.isEmpty() ? revision : new StoredRevision(revision.info(),
                seal(key.get(), summaryBinding(name, number), revision.summary()),
                seal(key.get(), Binding.record(name, number), revision.payload()));
    }

    /** Where the objects {@code objects} are written: what the backend's object set holds (never a plain digest). */
    private Set<String> addresses(String name, Set<String> objects) {
        Set<String> addresses = new HashSet<>();
        for (String sha256 : objects) {
            addresses.add(written(name, sha256));
        }
        return addresses;
    }

    /**
     * Stores object {@code sha256}, readable only from elsewhere (an old key, plain), where this driver writes it
     * (sealed under the current key, or plain): so a record never names an object its own key cannot find (a
     * rollback after a rotation, a plain revision made current under encryption, {@link #decrypting}). Its digest is
     * checked as it is read (the layer's checks are not in between), and what is stored is staged in a private
     * temporary file first: a driver is never read while it is writing (one connection serves both).
     */
    private void rewrite(String name, String sha256) throws IOException {
        String address = written(name, sha256);
        Optional<StateKey> key = keys.current();
        Path staged = Files.createTempFile("pk3s-reseal-", ".tmp", PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE));
        try {
            try (InputStream plain = new DigestCheckedStream(open(name, sha256), (bytes, actual) -> {
                        if (!actual.equals(sha256)) {
                            throw new IOException("stored content of profile state '" + name + "' does not match its digest "
                                    + sha256 + " (it has " + actual + ")");
                        }
                    });
                    InputStream out = key.isPresent() ? Sealed.seal(key.get(), plain, Binding.object(name, address), random)
                            : plain) {
                Files.copy(out, staged, StandardCopyOption.REPLACE_EXISTING);
            }
            long size = Files.size(staged);
            if (key.isPresent()) {
                inner.putOpaque(name, address, size, () -> Files.newInputStream(staged));
            } else {
                inner.put(name, address, size, () -> Files.newInputStream(staged));
            }
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    @Override
    public void prune(String name, Collection<Long> revisions) throws IOException {
        inner.prune(name, revisions);
    }

    @Override
    public Hold reading(String name) throws IOException {
        return inner.reading(name);
    }

    /** Empty stays empty (a removal's record holds nothing to hide); anything else is sealed. */
    private byte[] seal(StateKey key, Binding binding, byte[] plain) {
        return plain.length == 0 ? plain : Sealed.seal(key, plain, binding, random);
    }

    /** Sealed bytes opened (exit 4 when they cannot be); plain bytes as they are (mixed state, docs/state.md). */
    private byte[] open(Binding binding, byte[] stored) {
        return Sealed.isSealed(stored) ? Sealed.open(keys, stored, binding) : stored;
    }

    private static Binding summaryBinding(String name, long revision) {
        return new Binding(name, SUMMARY, Long.toString(revision), java.util.OptionalLong.of(revision));
    }

    // ---- settings and locks: nothing to hide ---------------------------------------------------------------

    @Override
    public Optional<byte[]> setting(String key) throws IOException {
        return inner.setting(key);
    }

    @Override
    public byte[] putSettingIfAbsent(String key, byte[] value) throws IOException {
        return inner.putSettingIfAbsent(key, value);
    }

    @Override
    public StateLocker locker() {
        return inner.locker();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
