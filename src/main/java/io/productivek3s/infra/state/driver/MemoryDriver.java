package io.productivek3s.infra.state.driver;

import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.RevisionInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A complete driver that keeps everything in this process's memory (docs/state.md "State layer and drivers"): the
 * in-process tests run the real state layer over it, as Helm's tests run its storage over the memory driver. Not a
 * fake: appends are compare-and-set and fenced, pruning collects unreferenced objects, locks exclude each other
 * between every layer sharing one instance (as two processes share a directory or a database). Thread-safe; one
 * monitor guards everything, which is plenty for tests.
 */
public final class MemoryDriver implements StateDriver {
    private final String description;
    private final Map<String, byte[]> objects = new HashMap<>();
    private final Map<String, NavigableMap<Long, Stored>> revisions = new TreeMap<>();
    private final Map<String, byte[]> settings = new HashMap<>();
    private final Map<String, StateLocker.Lease> leases = new HashMap<>();
    private final StateLocker locker = new Locker();

    private record Stored(StoredRevision revision, Set<String> objects) {
    }

    public MemoryDriver(String description) {
        this.description = description;
    }

    @Override
    public String description() {
        return description;
    }

    /** Objects are shared between names here, as in the local and PostgreSQL drivers. */
    @Override
    public synchronized Set<String> missing(String name, Collection<String> sha256s) {
        Set<String> missing = new HashSet<>(sha256s);
        missing.removeIf(objects::containsKey);
        return missing;
    }

    @Override
    public long put(String name, String sha256, long size, ObjectSource source) throws IOException {
        synchronized (this) {
            if (objects.containsKey(sha256)) {
                return 0;
            }
        }
        byte[] content;
        try (InputStream in = source.open()) {
            content = in.readAllBytes(); // a source that fails its check throws here: nothing is stored
        }
        if (content.length != size) {
            throw new IOException("object " + sha256 + " has " + content.length + " bytes, not " + size);
        }
        synchronized (this) {
            return objects.putIfAbsent(sha256, content) == null ? size : 0;
        }
    }

    @Override
    public synchronized InputStream open(String name, String sha256) throws IOException {
        byte[] content = objects.get(sha256);
        if (content == null) {
            throw new IOException("stored object " + sha256 + " is missing");
        }
        return new ByteArrayInputStream(content);
    }

    @Override
    public synchronized List<Head> heads() {
        List<Head> heads = new ArrayList<>();
        revisions.forEach((name, kept) -> {
            if (!kept.isEmpty()) {
                StoredRevision last = kept.lastEntry().getValue().revision();
                heads.add(new Head(last.info(), last.summary().clone()));
            }
        });
        return heads;
    }

    @Override
    public synchronized Optional<RevisionInfo> latest(String name) {
        NavigableMap<Long, Stored> kept = revisions.get(name);
        return kept == null || kept.isEmpty() ? Optional.empty() : Optional.of(kept.lastEntry().getValue().revision().info());
    }

    @Override
    public synchronized List<RevisionInfo> history(String name) {
        NavigableMap<Long, Stored> kept = revisions.get(name);
        return kept == null ? List.of() : kept.values().stream().map(s -> s.revision().info()).toList();
    }

    @Override
    public synchronized Optional<StoredRevision> read(String name, long revision) {
        NavigableMap<Long, Stored> kept = revisions.get(name);
        Stored stored = kept == null ? null : kept.get(revision);
        return stored == null ? Optional.empty() : Optional.of(copy(stored.revision()));
    }

    @Override
    public synchronized void append(String name, OptionalLong expectedLatest, StoredRevision revision, Set<String> refs,
            Fence fence) throws StateConflict {
        if (revision.info().revision() <= expectedLatest.orElse(-1) || !revision.info().name().equals(name)) {
            throw new IllegalArgumentException("revision " + revision.info().revision() + " of " + revision.info().name()
                    + " cannot follow " + expectedLatest + " of " + name);
        }
        requireFence(name, fence);
        NavigableMap<Long, Stored> kept = revisions.computeIfAbsent(name, n -> new TreeMap<>());
        OptionalLong latest = kept.isEmpty() ? OptionalLong.empty() : OptionalLong.of(kept.lastKey());
        if (!latest.equals(expectedLatest)) {
            throw new StateConflict(StateConflict.Kind.RACE, "revision " + latest.orElse(0) + " of '" + name
                    + "' was appended meanwhile");
        }
        requireStored(refs);
        kept.put(revision.info().revision(), new Stored(copy(revision), Set.copyOf(refs)));
    }

    /** The record's metadata stays as stored; only its summary, payload and object set change, in one step. */
    @Override
    public synchronized void replace(String name, StoredRevision revision, Set<String> refs, Fence fence)
            throws IOException {
        requireFence(name, fence);
        long number = revision.info().revision();
        NavigableMap<Long, Stored> kept = revisions.get(name);
        Stored old = kept == null ? null : kept.get(number);
        if (old == null) {
            throw new IOException("revision " + number + " of '" + name + "' is not kept in " + description);
        }
        requireStored(refs);
        kept.put(number, new Stored(new StoredRevision(old.revision().info(), revision.summary().clone(),
                revision.payload().clone()), Set.copyOf(refs)));
    }

    private void requireFence(String name, Fence fence) throws StateConflict {
        StateLocker.Lease held = leases.get(name);
        if (fence instanceof StateLocker.Lease lease ? !lease.equals(held) : held != null) {
            throw new StateConflict(StateConflict.Kind.FENCED, "the lock on '" + name + "' is not this writer's");
        }
    }

    private void requireStored(Set<String> refs) {
        Set<String> absent = new HashSet<>(refs);
        absent.removeAll(objects.keySet());
        if (!absent.isEmpty()) {
            throw new IllegalStateException("revision references objects that are not stored: " + absent);
        }
    }

    @Override
    public synchronized void prune(String name, Collection<Long> doomed) {
        NavigableMap<Long, Stored> kept = revisions.get(name);
        if (kept != null) {
            doomed.forEach(kept::remove);
        }
        Set<String> referenced = new HashSet<>();
        revisions.values().forEach(k -> k.values().forEach(s -> referenced.addAll(s.objects())));
        objects.keySet().retainAll(referenced);
    }

    @Override
    public synchronized Optional<byte[]> setting(String key) {
        return Optional.ofNullable(settings.get(key)).map(byte[]::clone);
    }

    @Override
    public synchronized byte[] putSettingIfAbsent(String key, byte[] value) {
        return settings.computeIfAbsent(key, k -> value.clone()).clone();
    }

    @Override
    public StateLocker locker() {
        return locker;
    }

    private static StoredRevision copy(StoredRevision r) {
        return new StoredRevision(r.info(), r.summary().clone(), r.payload().clone());
    }

    /** In-process leases: never expire (like an OS lock); a broken one fails its holder's next append. */
    private final class Locker implements StateLocker {
        @Override
        public Attempt tryAcquire(String name, LockHolder holder) {
            synchronized (MemoryDriver.this) {
                Lease held = leases.get(name);
                if (held != null) {
                    return Attempt.refused(Optional.of(held.holder()));
                }
                Lease lease = new Lease(name, UUID.randomUUID().toString(), holder);
                leases.put(name, lease);
                return Attempt.taken(lease, Optional.empty());
            }
        }

        @Override
        public boolean renew(Lease lease) {
            synchronized (MemoryDriver.this) {
                return lease.equals(leases.get(lease.name()));
            }
        }

        @Override
        public void release(Lease lease) {
            synchronized (MemoryDriver.this) {
                leases.remove(lease.name(), lease);
            }
        }

        @Override
        public Optional<LockHolder> holder(String name) {
            synchronized (MemoryDriver.this) {
                return Optional.ofNullable(leases.get(name)).map(Lease::holder);
            }
        }

        @Override
        public Map<String, LockHolder> holders() {
            synchronized (MemoryDriver.this) {
                Map<String, LockHolder> holders = new TreeMap<>();
                leases.forEach((name, lease) -> holders.put(name, lease.holder()));
                return holders;
            }
        }

        @Override
        public Optional<LockHolder> breakLease(String name) {
            synchronized (MemoryDriver.this) {
                return Optional.ofNullable(leases.remove(name)).map(Lease::holder);
            }
        }
    }
}
