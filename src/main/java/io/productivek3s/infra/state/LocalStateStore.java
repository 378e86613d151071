package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * State in a local directory (contract §14.2):
 * <pre>
 * &lt;dir&gt;/&lt;name&gt;.json      &lt;dir&gt;/&lt;name&gt;.lock      &lt;dir&gt;/&lt;name&gt;.runtime/{generated/, opentofu/, engine-state.json}
 * </pre>
 * A runtime tree is replaced by building {@code <name>.runtime.tmp-<hex>} and swapping it in with renames, the old
 * tree passing through {@code <name>.runtime.old-<hex>}; removal goes through {@code <name>.runtime.del-<hex>}.
 * Leftovers of a crash are repaired on the next run, so the runtime dir is always the complete old or new tree.
 *
 * <p>One instance per state directory per process: POSIX drops a process's lock when any descriptor of the lock
 * file is closed, so this instance remembers the names it holds instead of probing them with a second descriptor.
 */
public final class LocalStateStore implements StateStore {
    private static final String RUNTIME = ".runtime";
    private static final String ENGINE_STATE = SnapshotPolicy.ENGINE_STATE;

    private final Path dir;
    private final Consumer<String> warn;
    private final SnapshotPolicy policy;
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    public LocalStateStore(Path stateDir, Consumer<String> warn) {
        this.dir = stateDir.toAbsolutePath().normalize();
        this.warn = Objects.requireNonNull(warn, "warn");
        this.policy = new SnapshotPolicy(warn);
    }

    @Override
    public Path location() {
        return dir;
    }

    @Override
    public Path clusterFile(String name) {
        return entry(name, ".json");
    }

    @Override
    public Path runtimeDir(String name) {
        return entry(name, RUNTIME);
    }

    @Override
    public StateLock lock(String name, LockRequest request) throws IOException {
        Path file = entry(name, ".lock");
        if (!held.add(name)) {
            throw locked(name, file);
        }
        try {
            Files2.createPrivateDirectories(dir);
            FileChannel channel = FileChannel.open(file,
                    Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE));
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // Another store in this JVM holds it: the same situation as another process holding it.
                lock = null;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                throw locked(name, file);
            }
            LocalLock result = new LocalLock(name, channel);
            try {
                recover(name);
            } catch (IOException | RuntimeException e) {
                result.close();
                throw e;
            }
            return result;
        } catch (IOException | RuntimeException e) {
            held.remove(name);
            throw e;
        }
    }

    @Override
    public void restore(String name, Path scenarioDir) throws IOException {
        recover(name);
        policy.restore(runtimeDir(name), scenarioDir);
    }

    @Override
    public PersistResult persist(String name, Path scenarioDir, EngineState metadata) throws IOException {
        return persist(name, scenarioDir, metadata, staged -> { });
    }

    /**
     * Persists like {@link #persist(String, Path, EngineState)}, calling {@code beforePublish} once the new tree is
     * staged and before it becomes current. A shared backend commits the staged tree there, so a failed remote
     * commit (an exception from the hook) leaves this local copy exactly as it was.
     */
    public PersistResult persist(String name, Path scenarioDir, EngineState metadata, StagedHook beforePublish)
            throws IOException {
        Objects.requireNonNull(metadata, "metadata");
        Path runtime = runtimeDir(name);
        return publish(name, staging -> {
            Optional<byte[]> cluster = policy.capture(scenarioDir, staging, runtime, metadata);
            beforePublish.staged(new Staged(staging, cluster));
            return cluster;
        });
    }

    /**
     * Makes a tree built by {@code filler} in a private staging directory the name's current runtime tree, and the
     * {@code cluster.json} bytes it returns {@code <name>.json} (none: {@code <name>.json} is left as it is). Used
     * by persist, and by backends that materialize a stored revision locally (mirror, rollback, import).
     */
    public PersistResult publish(String name, StagedTree filler) throws IOException {
        Path runtime = runtimeDir(name);
        Path clusterFile = clusterFile(name);
        Files2.createPrivateDirectories(dir);
        recover(name);
        Path tmp = sibling(name, "tmp");
        Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
        try {
            Files.setPosixFilePermissions(tmp, Files2.DIR_PRIVATE);
            Optional<byte[]> cluster = filler.fill(tmp);
            swapIn(name, tmp, runtime);
            if (cluster.isEmpty()) {
                return new PersistResult(Optional.empty(), runtime);
            }
            Files2.writeAtomically(clusterFile, cluster.get(), Files2.FILE_PRIVATE);
            return new PersistResult(Optional.of(clusterFile), runtime);
        } finally {
            Files2.deleteQuietly(tmp);
        }
    }

    /** The snapshot policy this store applies; shared backends stage and restore through the same one. */
    public SnapshotPolicy policy() {
        return policy;
    }

    /** A staged runtime tree and the {@code <name>.json} bytes that go with it. */
    public record Staged(Path tree, Optional<byte[]> clusterJson) {
    }

    /** Called with a staged tree before it is published. */
    @FunctionalInterface
    public interface StagedHook {
        void staged(Staged staged) throws IOException;
    }

    /** Fills an empty private staging directory; returns the {@code <name>.json} bytes to publish, if any. */
    @FunctionalInterface
    public interface StagedTree {
        Optional<byte[]> fill(Path staging) throws IOException;
    }

    @Override
    public void remove(String name) throws IOException {
        Path runtime = runtimeDir(name);
        Path clusterFile = clusterFile(name);
        if (!Files.isDirectory(dir)) {
            return;
        }
        recover(name);
        // <name>.json first: once the cluster is gone, pk3s must not find it even if the rest is interrupted.
        Files.deleteIfExists(clusterFile);
        if (Files.exists(runtime, LinkOption.NOFOLLOW_LINKS)) {
            Path doomed = sibling(name, "del");
            Files.move(runtime, doomed, StandardCopyOption.ATOMIC_MOVE);
            Files2.deleteRecursively(doomed);
        }
    }

    @Override
    public Optional<EngineState> readEngineState(String name) throws IOException {
        Path file = runtimeDir(name).resolve(ENGINE_STATE);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException removedMeanwhile) {
            return Optional.empty();
        }
        try {
            return Optional.of(EngineState.fromJson(ClusterJson.decode(content)));
        } catch (IOException malformed) {
            return Optional.empty();
        }
    }

    @Override
    public List<ClusterInfo> list() throws IOException {
        throw new UnsupportedOperationException("state list: local history not built yet");
    }

    @Override
    public List<RevisionInfo> history(String name) throws IOException {
        throw new UnsupportedOperationException("state history: local history not built yet");
    }

    @Override
    public RevisionInfo pull(String name, java.util.OptionalLong revision, Path outputDir) throws IOException {
        throw new UnsupportedOperationException("state pull: local history not built yet");
    }

    @Override
    public RevisionInfo rollback(String name, long revision, LockHolder holder) throws IOException {
        throw new UnsupportedOperationException("state rollback: local history not built yet");
    }

    @Override
    public RevisionInfo importRevision(RevisionInfo meta, Path pulledDir) throws IOException {
        throw new UnsupportedOperationException("state migrate: local history not built yet");
    }

    @Override
    public Optional<LockHolder> forceUnlock(String name) throws IOException {
        throw new UnsupportedOperationException("state unlock: not built yet");
    }

    /** Renames {@code tmp} over {@code runtime}; at every instant one complete tree is reachable (see recover). */
    private void swapIn(String name, Path tmp, Path runtime) throws IOException {
        Path old = null;
        if (Files.exists(runtime, LinkOption.NOFOLLOW_LINKS)) {
            old = sibling(name, "old");
            Files.move(runtime, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(tmp, runtime, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, runtime, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        if (old != null) {
            // A failure here only leaves garbage that the next run's recover() deletes.
            Files2.deleteQuietly(old);
        }
    }

    /**
     * Repairs what an interrupted run left for {@code name}: a runtime tree moved aside but not replaced is moved
     * back; unfinished new trees, trees being deleted and temporary {@code <name>.json} files are removed. The
     * patterns are exact, so they can never match another profile's files.
     */
    private void recover(String name) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        Pattern leftovers = Pattern.compile(Pattern.quote(name + RUNTIME + ".") + "(tmp|old|del)-[0-9a-f]{16}");
        Pattern jsonTemp = Pattern.compile(Pattern.quote("." + name + ".json.") + "[0-9]+\\.tmp");
        List<Path> garbage = new ArrayList<>();
        List<Path> olds = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                Matcher m = leftovers.matcher(file);
                if (m.matches() && m.group(1).equals("old")) {
                    olds.add(entry);
                } else if (m.matches() || jsonTemp.matcher(file).matches()) {
                    garbage.add(entry);
                }
            }
        }
        Path runtime = dir.resolve(name + RUNTIME);
        if (!olds.isEmpty() && !Files.exists(runtime, LinkOption.NOFOLLOW_LINKS)) {
            Path newest = olds.stream().max(Comparator.comparing(LocalStateStore::modified)).orElseThrow();
            Files.move(newest, runtime, StandardCopyOption.ATOMIC_MOVE);
            olds.remove(newest);
            warn.accept("recovered profile runtime state left by an interrupted run: " + runtime);
        }
        garbage.addAll(olds);
        for (Path path : garbage) {
            Files2.deleteRecursively(path);
        }
    }

    private static long modified(Path path) {
        try {
            return Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return Long.MIN_VALUE;
        }
    }

    private Path sibling(String name, String kind) {
        byte[] random = new byte[8];
        ThreadLocalRandom.current().nextBytes(random);
        return dir.resolve(name + RUNTIME + "." + kind + "-" + HexFormat.of().formatHex(random));
    }

    /** {@code <dir>/<name><suffix>} for a valid name, checked to be a direct child of the state dir (D10). */
    private Path entry(String name, String suffix) {
        StateNames.requireValid(name);
        Path path = dir.resolve(name + suffix).normalize();
        if (!dir.equals(path.getParent())) {
            throw StateNames.invalid(name);
        }
        return path;
    }

    private static EngineException locked(String name, Path file) {
        return EngineException.invalid("profile state for '" + name + "' is locked by another run: " + file);
    }

    private final class LocalLock implements StateLock {
        private final String name;
        private final FileChannel channel;
        private boolean open = true;

        LocalLock(String name, FileChannel channel) {
            this.name = name;
            this.channel = channel;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public synchronized void close() {
            if (!open) {
                return;
            }
            open = false;
            try {
                channel.close(); // releases the OS lock
            } catch (IOException ignored) {
                // the descriptor is gone either way, and process exit releases the lock at the latest
            } finally {
                held.remove(name);
            }
        }
    }
}
