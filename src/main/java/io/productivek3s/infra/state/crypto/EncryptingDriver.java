package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.ObjectSource;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateLocker;
import io.productivek3s.infra.state.driver.StoredRevision;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
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
 *     {@code append} are mapped too, so the backend never holds a plaintext digest.</li>
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
     * {@code inner}'s settings. The passphrase is derived here, once for the process.
     */
    public static EncryptingDriver wrap(StateDriver inner, Map<String, String> env, Function<String, Path> resolve)
            throws IOException {
        Settings settings = new Settings() {
            @Override
            public Optional<byte[]> setting(String key) throws IOException {
                return inner.setting(key);
            }

            @Override
            public byte[] putSettingIfAbsent(String key, byte[] value) throws IOException {
                return inner.putSettingIfAbsent(key, value);
            }
        };
        return new EncryptingDriver(inner, StateKeys.load(env, resolve, settings), new SecureRandom());
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

    @Override
    public Set<String> missing(String name, Collection<String> sha256s) throws IOException {
        Optional<StateKey> key = keys.current();
        if (key.isEmpty()) {
            return inner.missing(name, sha256s);
        }
        Map<String, String> byAddress = new LinkedHashMap<>();
        for (String sha256 : sha256s) {
            byAddress.put(key.get().address(name, sha256), sha256);
        }
        Set<String> missing = new HashSet<>();
        for (String address : inner.missing(name, byAddress.keySet())) {
            missing.add(byAddress.get(address));
        }
        return missing;
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
        long sent = inner.put(name, address, Sealed.sealedSize(size), () -> Sealed.seal(key.get(), source.open(), binding, random));
        return sent == 0 ? 0 : size; // the content's bytes, as a plain driver counts them (the seal adds 42 per MiB)
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
            try {
                return opened(name, address, inner.open(name, address));
            } catch (IOException notUnderTheCurrentKey) {
                // looked up below; a backend that is really failing fails there again
            }
        }
        Set<String> missing = candidates.size() == 1 ? Set.of() : inner.missing(name, candidates);
        for (String candidate : candidates) {
            if (!missing.contains(candidate)) {
                InputStream in = inner.open(name, candidate);
                return keyOf.containsKey(candidate) ? opened(name, candidate, in) : in;
            }
        }
        return inner.open(name, sha256); // the driver's own "missing" error
    }

    private InputStream opened(String name, String address, InputStream sealed) {
        return Sealed.open(keys, sealed, Binding.object(name, address));
    }

    // ---- revision records ----------------------------------------------------------------------------------

    @Override
    public List<Head> heads() throws IOException {
        List<Head> heads = new ArrayList<>();
        for (Head head : inner.heads()) {
            RevisionInfo info = head.info();
            heads.add(new Head(info, open(summaryBinding(info.name(), info.revision()), head.summary())));
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
    public void append(String name, long expectedLatest, StoredRevision revision, Set<String> objects, Fence fence)
            throws IOException {
        Optional<StateKey> key = keys.current();
        if (key.isEmpty()) {
            inner.append(name, expectedLatest, revision, objects, fence);
            return;
        }
        long number = revision.info().revision();
        Set<String> addresses = new HashSet<>();
        for (String sha256 : objects) {
            addresses.add(key.get().address(name, sha256));
        }
        inner.append(name, expectedLatest, new StoredRevision(revision.info(),
                seal(key.get(), summaryBinding(name, number), revision.summary()),
                seal(key.get(), Binding.record(name, number), revision.payload())), addresses, fence);
    }

    @Override
    public void prune(String name, Collection<Long> revisions) throws IOException {
        inner.prune(name, revisions);
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
