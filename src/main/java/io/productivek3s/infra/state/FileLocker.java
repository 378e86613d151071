package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.driver.StateLocker;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The locks of a state directory (docs/state.md "Local backend", "Lock holder and timeout"): an OS lock on
 * {@code <dir>/<name>.lock} (the bash engine's lock file) and, once taken, the holder in
 * {@code <dir>/.locks/<name>.holder.json} ({@link HolderSidecar}). A lock dies with its process, so it is never
 * renewed and never expires; there is never one to break ({@link #breakLease} refuses a live holder). The local
 * driver's locker, and the lock a shared backend's mirror takes so that two processes on one host never write the
 * mirror at once.
 */
public final class FileLocker implements StateLocker {
    private final Path dir;
    private final HolderSidecar sidecar;
    private final Map<String, Holding> held = new ConcurrentHashMap<>();

    private record Holding(Lease lease, FileLocks.Held os) {
    }

    public FileLocker(Path stateDir) {
        this.dir = stateDir.toAbsolutePath().normalize();
        this.sidecar = new HolderSidecar(dir);
    }

    /** {@code <dir>/<name>.lock}: what lock messages name (docs/state.md "Errors"). */
    public Path file(String name) {
        StateNames.requireValid(name);
        Path path = dir.resolve(name + ".lock").normalize();
        if (!dir.equals(path.getParent())) {
            throw StateNames.invalid(name);
        }
        return path;
    }

    @Override
    public String location(String name, String backend) {
        return file(name).toString();
    }

    @Override
    public Attempt tryAcquire(String name, LockHolder holder) throws IOException {
        Path file = file(name);
        Files2.createPrivateDirectories(dir);
        Optional<FileLocks.Held> taken = FileLocks.tryLock(file);
        if (taken.isEmpty()) {
            return Attempt.refused(liveHolder(name));
        }
        Lease lease = new Lease(name, UUID.randomUUID().toString(), holder);
        try {
            // A sidecar left by a killed holder is simply replaced: the kernel released its lock.
            sidecar.write(name, holder);
        } catch (IOException | RuntimeException e) {
            taken.get().close();
            throw e;
        }
        held.put(name, new Holding(lease, taken.get()));
        CrashPoints.reach("lock.holder-written");
        return Attempt.taken(lease, Optional.empty());
    }

    /** Whether this process still holds {@code lease} (the fence of a local write). */
    public boolean holds(Lease lease) {
        Holding holding = held.get(lease.name());
        return holding != null && holding.lease().equals(lease);
    }

    /** Whether anyone (this process or another) holds {@code name}'s lock right now. */
    public boolean isHeld(String name) throws IOException {
        return held.containsKey(name) || FileLocks.isHeld(file(name));
    }

    @Override
    public boolean renew(Lease lease) {
        return holds(lease);
    }

    @Override
    public void release(Lease lease) {
        Holding holding = held.get(lease.name());
        if (holding == null || !holding.lease().equals(lease)) {
            return;
        }
        held.remove(lease.name());
        sidecar.delete(lease.name()); // before the OS lock goes, so it never names a holder that is gone
        holding.os().close();
    }

    @Override
    public Optional<LockHolder> holder(String name) throws IOException {
        StateNames.requireValid(name);
        Holding mine = held.get(name);
        if (mine != null) {
            return Optional.of(mine.lease().holder());
        }
        // Probe only when a holder is recorded: probing takes the lock for an instant, which must not make a
        // concurrent run without --lock-timeout fail just because someone listed clusters.
        Optional<LockHolder> recorded = sidecar.read(name);
        return recorded.isPresent() && FileLocks.isHeld(file(name)) ? recorded : Optional.empty();
    }

    @Override
    public Map<String, LockHolder> holders() throws IOException {
        Map<String, LockHolder> holders = new TreeMap<>();
        Path locks = sidecar.file("x").getParent();
        if (!Files.isDirectory(locks, LinkOption.NOFOLLOW_LINKS)) {
            return holders;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(locks, "*.holder.json")) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                String name = file.substring(0, file.length() - ".holder.json".length());
                if (StateNames.isValid(name)) {
                    holder(name).ifPresent(h -> holders.put(name, h));
                }
            }
        }
        return holders;
    }

    /**
     * A local lock dies with its process, so there is never a lock to break. Free → a stale holder record is
     * removed and the answer is empty. Held by a live process → exit 4 naming it: stop that process (its lock goes
     * with it); killing it is not this command's business.
     */
    @Override
    public Optional<LockHolder> breakLease(String name) throws IOException {
        Path file = file(name);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            sidecar.delete(name);
            return Optional.empty();
        }
        Optional<FileLocks.Held> probe = FileLocks.tryLock(file);
        if (probe.isPresent()) {
            try (FileLocks.Held free = probe.get()) {
                sidecar.delete(name);
            }
            return Optional.empty();
        }
        Optional<LockHolder> holder = held.containsKey(name) ? Optional.of(held.get(name).lease().holder())
                : sidecar.read(name);
        throw EngineException.invalid("profile state for '" + name + "' is held by a live process "
                + holder.map(LockHolder::describe).orElse("(holder not recorded: " + file + ")")
                + "; stop it first");
    }

    /** The recorded holder of another process's lock, if that process still runs. */
    private Optional<LockHolder> liveHolder(String name) {
        Holding mine = held.get(name);
        if (mine != null) {
            return Optional.of(mine.lease().holder());
        }
        return sidecar.read(name).filter(h -> HolderSidecar.alive(h, LocalIdentity.host(Map.of())));
    }
}
