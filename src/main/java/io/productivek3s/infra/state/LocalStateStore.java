package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.fs.DigestMemo;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * State in a local directory (docs/contract/state-files.md#layout), plus hidden bookkeeping that {@code pk3s} never reads:
 * <pre>
 * &lt;dir&gt;/&lt;name&gt;.json   &lt;dir&gt;/&lt;name&gt;.lock   &lt;dir&gt;/&lt;name&gt;.runtime/{generated/, opentofu/, engine-state.json}
 * &lt;dir&gt;/.locks/&lt;name&gt;.holder.json             who holds the lock (HolderSidecar)
 * &lt;dir&gt;/.&lt;name&gt;.commit                       the commit journal of a change in progress (CommitJournal)
 * &lt;dir&gt;/.history/revisions/&lt;name&gt;/&lt;n&gt;.json    the last N revisions (LocalHistory)
 * &lt;dir&gt;/.history/objects/&lt;aa&gt;/&lt;sha256&gt;       file contents shared by every revision and name (ObjectStore)
 * &lt;dir&gt;/.history/digests/&lt;name&gt;             the digest memo of the runtime tree (TreeMemo; a mirror's: its backend's)
 * </pre>
 * Every persist and removal is one commit point: everything is staged first ({@code <name>.runtime.tmp-<txn>},
 * {@code .<name>.json.staged-<txn>}, the revision record), then the journal is created atomically, then the renames
 * are done and the journal deleted. The next holder of the lock rolls a journalled change forward, and rolls back
 * (deletes) what an unjournalled one staged, so the pair {@code pk3s} reads ends as the old or the new state and a
 * half-done removal completes instead of resurrecting.
 *
 * <p>Any number of instances may share a directory, in one JVM or several processes (see {@link FileLocks}).
 */
public final class LocalStateStore implements StateStore {
    private static final String RUNTIME = ".runtime";
    private static final String ENGINE_STATE = SnapshotPolicy.ENGINE_STATE;
    private static final long LOCK_POLL_MILLIS = 100;

    private final Path dir;
    private final Consumer<String> warn;
    private final SnapshotPolicy policy;
    private final LocalHistory history;
    private final CommitJournal journal;
    private final JournalTriage triage;
    private final HolderSidecar sidecar;
    private final boolean keepsHistory;
    /** The shared backend this directory mirrors (null: it is the local backend itself). */
    private final String mirrorOf;
    private final Function<String, Path> memoFiles;
    private final Map<String, LockHolder> holders = new ConcurrentHashMap<>();

    /** A store keeping the default number of revisions (20); see {@link #fromEnv} for the configured one. */
    public LocalStateStore(Path stateDir, Consumer<String> warn) {
        this(stateDir, warn, LocalHistory.DEFAULT_LIMIT);
    }

    /**
     * A store keeping the last {@code PK3S_STATE_HISTORY_LIMIT} revisions of the engine's environment {@code env}
     * (process + release.env, not only the process's); an invalid limit is exit 4.
     */
    public static LocalStateStore fromEnv(Path stateDir, Map<String, String> env, Consumer<String> warn) {
        LocalStateStore store = new LocalStateStore(stateDir, warn, LocalHistory.limit(env));
        MirrorMarker.read(store.dir).ifPresent(backend -> warn.accept(MirrorMarker.warning(store.dir, backend)));
        return store;
    }

    /** A store keeping the last {@code historyLimit} (≥ 1) revisions per name. */
    public LocalStateStore(Path stateDir, Consumer<String> warn, int historyLimit) {
        this(stateDir, warn, historyLimit, true, null, null);
        if (historyLimit < 1) {
            throw new IllegalArgumentException("history limit must be at least 1");
        }
    }

    /**
     * The local layout as a mirror of a shared backend that keeps the history itself: same files, locks and commit
     * journal, but no local revisions (no hashing, no object store). {@link #rollback} and {@link #importRevision}
     * are not available on it; {@link #history} and {@link #pull} still read revisions a local backend left.
     * {@code digestMemos} says where the digest memo of a name's tree is kept (the backend's bookkeeping).
     */
    public static LocalStateStore mirror(Path stateDir, Consumer<String> warn, String backendName,
            Function<String, Path> digestMemos) {
        return new LocalStateStore(stateDir, warn, 1, false, Objects.requireNonNull(digestMemos, "digestMemos"),
                Objects.requireNonNull(backendName, "backendName"));
    }

    private LocalStateStore(Path stateDir, Consumer<String> warn, int historyLimit, boolean keepsHistory,
            Function<String, Path> memoFiles, String mirrorOf) {
        this.mirrorOf = mirrorOf;
        this.keepsHistory = keepsHistory;
        this.dir = stateDir.toAbsolutePath().normalize();
        this.memoFiles = memoFiles != null ? memoFiles : name -> dir.resolve(".history").resolve("digests").resolve(name);
        this.warn = Objects.requireNonNull(warn, "warn");
        this.policy = new SnapshotPolicy(warn);
        this.history = new LocalHistory(dir, historyLimit);
        this.journal = new CommitJournal(dir);
        this.triage = new JournalTriage(history, keepsHistory);
        this.sidecar = new HolderSidecar(dir);
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

    // ---- locks ---------------------------------------------------------------------------------------------

    @Override
    public StateLock lock(String name, LockRequest request) throws IOException {
        Path file = entry(name, ".lock");
        // Every change takes the lock: this is where a mirror is told apart from local state.
        Optional<String> mirrored = MirrorMarker.read(dir);
        if (mirrorOf == null && mirrored.isPresent()) {
            throw MirrorMarker.refused(dir, mirrored.get());
        }
        Files2.createPrivateDirectories(dir);
        if (mirrorOf != null) {
            MirrorMarker.write(dir, mirrorOf);
        }
        long deadline = System.nanoTime() + request.timeout().toNanos();
        Optional<FileLocks.Held> taken;
        boolean announced = false;
        while ((taken = FileLocks.tryLock(file)).isEmpty()) {
            if (System.nanoTime() - deadline >= 0) {
                throw locked(name, file);
            }
            if (!announced) {
                // a silent wait looks like a hang; same line as the PostgreSQL backend's
                announced = true;
                warn.accept(request.waitingLine(name, liveHolder(name).map(LockHolder::describe).orElse("another run")));
            }
            FileLocks.pause(Math.min(LOCK_POLL_MILLIS, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
        LocalLock lock = new LocalLock(name, taken.get());
        try {
            // A sidecar left by a killed holder is simply replaced: the kernel released its lock.
            sidecar.write(name, request.holder());
            holders.put(name, request.holder());
            CrashPoints.reach("lock.holder-written");
            recover(name);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        return lock;
    }

    /**
     * A local lock is an OS lock: it dies with its process, so there is never a lock to break. Free → a stale holder
     * record is removed and the answer is empty. Held by a live process → exit 4 naming it: stop that process (its
     * lock goes with it); killing it is not this command's business.
     */
    @Override
    public Optional<LockHolder> forceUnlock(String name) throws IOException {
        Path file = entry(name, ".lock");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            sidecar.delete(name);
            return Optional.empty();
        }
        Optional<FileLocks.Held> probe = FileLocks.tryLock(file);
        if (probe.isPresent()) {
            try (FileLocks.Held held = probe.get()) {
                sidecar.delete(name);
            }
            return Optional.empty();
        }
        Optional<LockHolder> holder = sidecar.read(name);
        throw EngineException.invalid("profile state for '" + name + "' is held by a live process "
                + holder.map(LockHolder::describe).orElse("(holder not recorded: " + file + ")")
                + "; stop it first");
    }

    private EngineException locked(String name, Path file) {
        return StateErrors.locked(name, file.toString(), liveHolder(name));
    }

    /** The recorded holder of another process's lock, if that process still runs. */
    private Optional<LockHolder> liveHolder(String name) {
        return sidecar.read(name).filter(h -> HolderSidecar.alive(h, LocalIdentity.host(Map.of())));
    }

    @Override
    public Optional<LockHolder> lockHolder(String name) throws IOException {
        StateNames.requireValid(name);
        return currentHolder(name);
    }

    /** Who holds the name's lock right now; empty when nobody does or the holder is not recorded. */
    private Optional<LockHolder> currentHolder(String name) throws IOException {
        LockHolder mine = holders.get(name);
        if (mine != null) {
            return Optional.of(mine);
        }
        // Probe only when a holder is recorded: probing takes the lock for an instant, which must not make a
        // concurrent run without --lock-timeout fail just because someone listed clusters.
        Optional<LockHolder> recorded = sidecar.read(name);
        return recorded.isPresent() && FileLocks.isHeld(entry(name, ".lock")) ? recorded : Optional.empty();
    }

    // ---- restore / persist / remove ------------------------------------------------------------------------

    /**
     * Restores through the policy, which hard-links provider binaries into the scenario: that changes their change
     * time, so the memo's entries for them are carried to it (docs/state.md "Digest memo"); {@link #release} takes
     * the links back.
     */
    @Override
    public void restore(String name, Path scenarioDir) throws IOException {
        recover(name);
        Path runtime = runtimeDir(name);
        TreeMemo memo = memo(name);
        DigestMemo.Carry carry = memo.carry(runtime);
        policy.restore(runtime, scenarioDir);
        carry.to(runtime);
        memo.save();
    }

    /** Removes the scenario's hard links to runtime files the memo vouches for, and carries their entries. */
    @Override
    public void release(String name, Path scenarioDir) {
        memo(name).release(runtimeDir(name), scenarioDir);
    }

    /** The files of {@code name}'s runtime tree whose digest the memo vouches for, by sha256. */
    public Map<String, Path> filesByDigest(String name) {
        return memo(name).filesByDigest(runtimeDir(name));
    }

    private TreeMemo memo(String name) {
        return TreeMemo.open(memoFiles.apply(StateNames.requireValid(name)));
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
        return persist(name, scenarioDir, metadata, beforePublish, null).orElseThrow();
    }

    @Override
    public Optional<PersistResult> persistIfChanged(String name, Path scenarioDir, EngineState metadata)
            throws IOException {
        return persist(name, scenarioDir, metadata, staged -> { }, () -> history.latest(name)
                .filter(r -> !r.info().removed()).map(RevisionRecord::tree));
    }

    /**
     * Persists; with {@code current} (the tree the state holds now, as the backend knows it), a staged tree equal to
     * it but for engine-state.json is discarded instead and the result is empty.
     */
    public Optional<PersistResult> persist(String name, Path scenarioDir, EngineState metadata, StagedHook beforePublish,
            CurrentTree current) throws IOException {
        Objects.requireNonNull(metadata, "metadata");
        Path runtime = runtimeDir(name);
        TreeMemo memo = memo(name);
        Committed committed = commit(name, staging -> {
            // The capture hard-links provider binaries from the scenario: their entries follow the new change time.
            DigestMemo.Carry carry = memo.carry(scenarioDir);
            Optional<byte[]> json = policy.capture(scenarioDir, staging, runtime, metadata);
            carry.to(scenarioDir);
            return json;
        }, beforePublish, (revision, tree) -> describe(name, revision, tree, metadata), 0, memo, true, current);
        return Optional.ofNullable(committed).map(Committed::result);
    }

    /** The tree a backend's current revision holds (empty: none), for {@link #persistIfChanged}. */
    @FunctionalInterface
    public interface CurrentTree {
        Optional<TreeManifest> get() throws IOException;
    }

    /**
     * Makes a tree built by {@code filler} in a private staging directory the name's current runtime tree, and the
     * {@code cluster.json} bytes it returns {@code <name>.json} (none: {@code <name>.json} is left as it is), as one
     * commit recorded as a new revision described by the staged {@code engine-state.json}. Used by persist, and by
     * backends that materialize a stored revision locally (mirror, rollback, import).
     */
    public PersistResult publish(String name, StagedTree filler) throws IOException {
        return commit(name, filler, staged -> { }, (revision, tree) -> describe(name, revision, tree,
                readEngineState(tree.root().resolve(ENGINE_STATE)).orElse(null)), 0, memo(name), keepsHistory, null)
                .result();
    }

    /** The snapshot policy this store applies; shared backends stage and restore through the same one. */
    public SnapshotPolicy policy() {
        return policy;
    }

    /**
     * A staged runtime tree, the {@code <name>.json} bytes that go with it, and its manifest (null when a mirror
     * publishes a tree it was given) with the number of file digests the memo supplied.
     */
    public record Staged(Path tree, Optional<byte[]> clusterJson, TreeManifest manifest, long digestsFromMemo) {
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

    /** A staged tree and its manifest, for describing the revision it becomes. */
    private record Scanned(Path root, TreeManifest manifest) {
    }

    /** What a commit published, and as which revision. */
    private record Committed(PersistResult result, RevisionInfo revision) {
    }

    @FunctionalInterface
    private interface Describer {
        RevisionInfo describe(long revision, Scanned tree) throws IOException;
    }

    /**
     * Stage, journal, rename: see the class comment. {@code number}: the revision number to use (0: the next).
     * {@code scan}: describe the staged tree (a local history always does; a mirror when its backend needs it).
     */
    private Committed commit(String name, StagedTree filler, StagedHook hook, Describer describer, long number)
            throws IOException {
        return commit(name, filler, hook, describer, number, memo(name), true, null);
    }

    /** As above; with {@code unchangedIf}, a scanned tree equal to it but for engine-state.json is discarded (null). */
    private Committed commit(String name, StagedTree filler, StagedHook hook, Describer describer, long number,
            TreeMemo memo, boolean scan, CurrentTree unchangedIf) throws IOException {
        Path runtime = runtimeDir(name);
        Path clusterFile = clusterFile(name);
        Files2.createPrivateDirectories(dir);
        recover(name);
        String txn = txn();
        Path tmp = aside(name, "tmp", txn);
        Path stagedJson = stagedJson(name, txn);
        Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
        CommitJournal.Entry entry;
        Optional<byte[]> cluster;
        RevisionRecord record = null;
        DigestMemo.Carry published;
        try {
            Files.setPosixFilePermissions(tmp, Files2.DIR_PRIVATE);
            cluster = filler.fill(tmp);
            CrashPoints.reach("persist.staged-tree");
            TreeManifest manifest = null;
            if (scan) {
                TreeMemo.Scan known = memo.scan(tmp);
                manifest = TreeManifest.scan(tmp, known);
                known.done(manifest);
                Optional<TreeManifest> now = unchangedIf == null ? Optional.empty() : unchangedIf.get();
                if (now.isPresent() && manifest.sameExcept(now.get(), ENGINE_STATE)) {
                    Files2.deleteQuietly(tmp);
                    memo.save();
                    return null;
                }
            } else {
                memo.clear(); // every file is new: nothing is known of it
            }
            if (!keepsHistory) {
                hook.staged(new Staged(tmp, cluster, manifest, memo.hits()));
                // Publishing links and unlinks names of these files (the old tree goes): follow them.
                published = memo.carry(tmp);
                if (cluster.isPresent()) {
                    writePrivate(stagedJson, cluster.get());
                }
                entry = new CommitJournal.Entry(CommitJournal.Op.PERSIST, txn, 0);
                journal.write(name, entry);
            } else {
                CrashPoints.reach("persist.scanned");
                hook.staged(new Staged(tmp, cluster, manifest, memo.hits()));
                long revision = number > 0 ? number : history.next(name);
                byte[] effectiveJson = cluster.isPresent() ? cluster.get() : currentJson(clusterFile);
                record = new RevisionRecord(describer.describe(revision, new Scanned(tmp, manifest)),
                        manifest, effectiveJson);
                // The object store hard-links big files and publishing unlinks the old tree's names: follow them.
                published = memo.carry(tmp);
                try (FileLocks.Held objects = history.objects().lock()) {
                    for (TreeManifest.Entry file : manifest.entries()) {
                        if (file.kind() == TreeManifest.Kind.FILE) {
                            history.objects().add(tmp.resolve(file.path()), file.sha256(), file.size());
                        }
                    }
                    CrashPoints.reach("persist.objects-added");
                    history.stage(record, txn);
                }
                CrashPoints.reach("persist.record-staged");
                if (cluster.isPresent()) {
                    writePrivate(stagedJson, cluster.get());
                    CrashPoints.reach("persist.json-staged");
                }
                entry = new CommitJournal.Entry(CommitJournal.Op.PERSIST, txn, revision);
                journal.write(name, entry);
            }
        } catch (IOException | RuntimeException e) {
            Files2.deleteQuietly(tmp);
            Files2.deleteQuietly(stagedJson);
            try {
                history.discardStaged(name);
            } catch (IOException ignored) {
                // the next recover() deletes it
            }
            throw e;
        }
        CrashPoints.reach("persist.committed");
        rollForward(name, entry, false);
        published.to(runtime);
        memo.save();
        return new Committed(new PersistResult(cluster.isPresent() ? Optional.of(clusterFile) : Optional.empty(),
                runtime), record == null ? null : record.info());
    }

    @Override
    public void remove(String name) throws IOException {
        Path runtime = runtimeDir(name);
        Path clusterFile = clusterFile(name);
        if (!Files.isDirectory(dir)) {
            return;
        }
        recover(name);
        Optional<RevisionRecord> latest = history.latest(name);
        boolean present = Files.exists(clusterFile, LinkOption.NOFOLLOW_LINKS)
                || Files.exists(runtime, LinkOption.NOFOLLOW_LINKS);
        if (!present && latest.map(r -> r.info().removed()).orElse(true)) {
            return;
        }
        if (!keepsHistory) {
            String txn = txn();
            journal.write(name, new CommitJournal.Entry(CommitJournal.Op.REMOVE, txn, 0));
            rollForward(name, new CommitJournal.Entry(CommitJournal.Op.REMOVE, txn, 0), false);
            return;
        }
        long revision = history.next(name);
        Optional<EngineState> engineState = readEngineState(name);
        RevisionInfo last = latest.map(RevisionRecord::info).orElse(null);
        RevisionInfo info = new RevisionInfo(name, revision, Instant.now(), holder(name).who(),
                holder(name).command(), EngineState.Result.SUCCESS.wire(), 0,
                engineState.map(s -> s.profile() == null ? null : s.profile().name())
                        .orElse(last == null ? null : last.profileName()),
                engineState.map(s -> s.profile() == null ? null : s.profile().version())
                        .orElse(last == null ? null : last.profileVersion()),
                engineState.map(s -> s.pkg() == null ? null : s.pkg().sha256())
                        .orElse(last == null ? null : last.packageSha256()),
                null, 0, 0, true);
        commitRemoval(name, info);
    }

    /** Stage the removal record, journal, delete: the removal's commit point is the journal. */
    private void commitRemoval(String name, RevisionInfo info) throws IOException {
        String txn = txn();
        long revision = info.revision();
        try {
            history.stage(new RevisionRecord(info, new TreeManifest(List.of()), null), txn);
            CrashPoints.reach("remove.record-staged");
            journal.write(name, new CommitJournal.Entry(CommitJournal.Op.REMOVE, txn, revision));
        } catch (IOException | RuntimeException e) {
            try {
                history.discardStaged(name);
            } catch (IOException ignored) {
                // the next recover() deletes it
            }
            throw e;
        }
        CrashPoints.reach("remove.committed");
        rollForward(name, new CommitJournal.Entry(CommitJournal.Op.REMOVE, txn, revision), false);
    }

    /**
     * Completes a journalled change; every step checks whether it was already done, so it can be repeated. History
     * is pruned and its garbage collected before the journal goes, so a crash there is finished by the next run
     * ({@code recovering}: collect even when nothing is left to prune).
     */
    private void rollForward(String name, CommitJournal.Entry entry, boolean recovering) throws IOException {
        Path runtime = runtimeDir(name);
        Path clusterFile = clusterFile(name);
        history.publish(name, entry.revision(), entry.txn());
        if (entry.op() == CommitJournal.Op.PERSIST) {
            CrashPoints.reach("persist.record-published");
            Path tmp = aside(name, "tmp", entry.txn());
            Path old = aside(name, "old", entry.txn());
            if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.exists(runtime, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(runtime, old, StandardCopyOption.ATOMIC_MOVE);
                    CrashPoints.reach("persist.old-moved-aside");
                }
                Files.move(tmp, runtime, StandardCopyOption.ATOMIC_MOVE);
                CrashPoints.reach("persist.runtime-swapped");
            }
            Path stagedJson = stagedJson(name, entry.txn());
            if (Files.exists(stagedJson, LinkOption.NOFOLLOW_LINKS)) {
                Files2.moveAtomically(stagedJson, clusterFile);
                CrashPoints.reach("persist.json-published");
            }
            pruneHistory(name, recovering);
            journal.delete(name);
            CrashPoints.reach("persist.marker-deleted");
            Files2.deleteQuietly(old);
            CrashPoints.reach("persist.old-deleted");
        } else {
            CrashPoints.reach("remove.record-published");
            // <name>.json first: once the cluster is gone, pk3s must not find it even while the rest completes.
            Files.deleteIfExists(clusterFile);
            CrashPoints.reach("remove.json-deleted");
            Path doomed = aside(name, "del", entry.txn());
            if (Files.exists(runtime, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(runtime, doomed, StandardCopyOption.ATOMIC_MOVE);
                CrashPoints.reach("remove.runtime-moved");
            }
            pruneHistory(name, recovering);
            Files.deleteIfExists(memoFiles.apply(name));
            journal.delete(name);
            CrashPoints.reach("remove.marker-deleted");
            Files2.deleteRecursively(doomed);
            CrashPoints.reach("remove.runtime-deleted");
        }
    }

    private void pruneHistory(String name, boolean recovering) throws IOException {
        if (keepsHistory) {
            history.prune(name, recovering);
        }
    }

    /**
     * Repairs what an interrupted run left for {@code name}: a journalled change is completed; without a journal,
     * staged trees, staged {@code <name>.json} files, staged revision records and trees being deleted are removed,
     * and a runtime tree moved aside by an older engine's interrupted swap is moved back. The patterns are exact, so
     * they never match another profile's files.
     */
    private void recover(String name) throws IOException {
        StateNames.requireValid(name);
        if (!Files.isDirectory(dir)) {
            return;
        }
        Optional<CommitJournal.Entry> pending = journal.read(name);
        if (pending.isPresent()) {
            JournalTriage.Decision decision = decide(name, pending.get());
            switch (decision.verdict()) {
                case ROLL_FORWARD -> {
                    rollForward(name, pending.get(), true);
                    warn.accept("completed the " + (pending.get().op() == CommitJournal.Op.PERSIST ? "persist"
                            : "removal") + " of profile state that an interrupted run had committed: " + runtimeDir(name));
                }
                case STALE -> {
                    Path aside = journal.setAside(name);
                    warn.accept("commit journal " + journal.file(name) + " " + decision.reason() + ": set aside as "
                            + aside + "; the state of '" + name + "' is kept (a removal needs its own history entry)");
                }
                case FOREIGN -> throw journal.refused(name, decision.reason());
            }
        }
        Pattern leftovers = Pattern.compile(Pattern.quote(name + RUNTIME + ".") + "(tmp|old|del)-[0-9a-f]{16}");
        Pattern jsonTemp = Pattern.compile(Pattern.quote("." + name + ".json.") + "([0-9]+\\.tmp|staged-[0-9a-f]{16})");
        Pattern journalTemp = journal.temps(name);
        List<Path> garbage = new ArrayList<>();
        List<Path> olds = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                Matcher m = leftovers.matcher(file);
                if (m.matches() && m.group(1).equals("old")) {
                    olds.add(entry);
                } else if (m.matches() || jsonTemp.matcher(file).matches() || journalTemp.matcher(file).matches()) {
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
        boolean abandonedPersist = false;
        for (Path path : garbage) {
            abandonedPersist |= path.getFileName().toString().startsWith(name + RUNTIME + ".tmp-");
            Files2.deleteRecursively(path);
        }
        if (history.discardStaged(name) || abandonedPersist) {
            history.collectGarbage(); // objects added for a revision that was never committed
        }
    }

    private JournalTriage.Decision decide(String name, CommitJournal.Entry entry) throws IOException {
        return triage.decide(name, entry, aside(name, "tmp", entry.txn()));
    }

    /**
     * Refuses (exit 4, naming the file) when {@code name} has a commit journal no run can act on: malformed, of a
     * newer engine, written for another name, or naming a persist of which nothing exists. Takes no lock.
     */
    @Override
    public void requireDecidable(String name) throws IOException {
        StateNames.requireValid(name);
        Optional<CommitJournal.Entry> pending = journal.read(name);
        if (pending.isPresent()) {
            JournalTriage.Decision decision = decide(name, pending.get());
            if (decision.verdict() == JournalTriage.Verdict.FOREIGN && pending.equals(journal.read(name))) {
                throw journal.refused(name, decision.reason());
            }
        }
    }

    /**
     * Whether {@code list} shows {@code name}: not while a decided removal is pending, nor (WARN) while its journal
     * cannot be decided. Read without the lock, so a journal that changed under the reading (a run finishing) is read
     * again before it is called foreign.
     */
    private boolean listed(String name) throws IOException {
        Optional<CommitJournal.Entry> pending;
        JournalTriage.Decision decision;
        try {
            pending = journal.read(name);
            if (pending.isEmpty()) {
                return true;
            }
            decision = decide(name, pending.get());
            if (decision.verdict() != JournalTriage.Verdict.ROLL_FORWARD) {
                Optional<CommitJournal.Entry> again = journal.read(name);
                if (!again.equals(pending)) {
                    pending = again;
                    if (pending.isEmpty()) {
                        return true;
                    }
                    decision = decide(name, pending.get());
                }
            }
        } catch (EngineException refused) {
            warn.accept(refused.getMessage());
            return false;
        }
        return switch (decision.verdict()) {
            case ROLL_FORWARD -> pending.get().op() != CommitJournal.Op.REMOVE;
            case STALE -> {
                warn.accept("commit journal " + journal.file(name) + " " + decision.reason() + "; the next run on '"
                        + name + "' sets it aside and keeps the state");
                yield true;
            }
            case FOREIGN -> {
                warn.accept(journal.refused(name, decision.reason()).getMessage());
                yield false;
            }
        };
    }

    // ---- reading -------------------------------------------------------------------------------------------

    @Override
    public Optional<EngineState> readEngineState(String name) throws IOException {
        return readEngineState(runtimeDir(name).resolve(ENGINE_STATE));
    }

    private static Optional<EngineState> readEngineState(Path file) throws IOException {
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

    /**
     * Every name with current state: {@code <name>.json} or {@code <name>.runtime/} present and no removal pending.
     * A state written before history existed shows revision 0, from its {@code engine-state.json}.
     */
    @Override
    public List<String> names() throws IOException {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        list().forEach(cluster -> names.add(cluster.name()));
        history.names().stream().filter(StateNames::isValid).forEach(names::add);
        return List.copyOf(names);
    }

    @Override
    public List<ClusterInfo> list() throws IOException {
        List<ClusterInfo> clusters = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return clusters;
        }
        Map<String, Boolean> names = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                String name = file.endsWith(".json") ? file.substring(0, file.length() - 5)
                        : file.endsWith(RUNTIME) ? file.substring(0, file.length() - RUNTIME.length()) : null;
                if (name != null && StateNames.isValid(name)) {
                    names.put(name, true);
                }
            }
        }
        for (String name : names.keySet().stream().sorted().toList()) {
            if (!listed(name)) {
                continue;
            }
            Optional<EngineState> state = readEngineState(name);
            Optional<RevisionRecord> latest = history.latest(name);
            long revision = latest.filter(r -> !r.info().removed()).map(r -> r.info().revision()).orElse(0L);
            EngineState.LastAction action = state.map(EngineState::lastAction).orElse(null);
            clusters.add(new ClusterInfo(name,
                    state.map(s -> s.profile() == null ? null : s.profile().name()).orElse(null),
                    state.map(s -> s.profile() == null ? null : s.profile().version()).orElse(null),
                    action == null ? null : action.command(),
                    action == null || action.result() == null ? null : action.result().wire(),
                    action == null ? null : action.finishedAt() != null ? action.finishedAt() : action.startedAt(),
                    revision,
                    currentHolder(name).orElse(null)));
        }
        return clusters;
    }

    @Override
    public List<RevisionInfo> history(String name) throws IOException {
        StateNames.requireValid(name);
        List<RevisionInfo> revisions = new ArrayList<>();
        for (long n : history.numbers(name)) {
            history.read(name, n).ifPresent(r -> revisions.add(r.info()));
        }
        return revisions;
    }

    /**
     * Writes a stored revision (default: the current one) to {@code outputDir}. A state written before history
     * existed has no stored revision; its current tree is pulled as revision 0. The record is verified (a safe
     * manifest that is the tree the revision records) before anything is written, and every file against its digest.
     */
    @Override
    public RevisionInfo pull(String name, OptionalLong revision, Path outputDir) throws IOException {
        StateNames.requireValid(name);
        PulledLayout.refuseExisting(name, outputDir);
        // Shared from listing the records to copying the last object: a persist of this name (or any other) that
        // prunes history waits with its garbage collection until this pull has read what it listed.
        try (FileLocks.Held reading = history.objects().lockShared()) {
            Source source = stored(name, revision, "pull");
            RevisionRecord record = verified(source.record());
            PulledLayout.write(policy, name, outputDir, staging -> materialize(source, staging), record.clusterJson());
            return record.info();
        }
    }

    @Override
    public RevisionInfo rollback(String name, long revision, LockHolder holder) throws IOException {
        StateNames.requireValid(name);
        requireHistory();
        if (revision == 0) {
            throw StateErrors.noRollbackToZero(name);
        }
        Source source = stored(name, OptionalLong.of(revision), "roll back to");
        RevisionRecord target = verified(source.record());
        Path runtime = runtimeDir(name);
        return commit(name, staging -> {
            // Our lock on the name keeps the record (only a commit of this name prunes it); the shared lock keeps
            // the garbage collection of an interrupted run's recovery, or of another name, off its objects.
            try (FileLocks.Held reading = history.objects().lockShared()) {
                materialize(source, staging);
            }
            Optional<byte[]> json = policy.clusterFileFor(staging, runtime);
            return json.isPresent() ? json : Optional.ofNullable(target.clusterJson());
        }, staged -> { }, (number, tree) -> {
            RevisionInfo t = target.info();
            return new RevisionInfo(name, number, Instant.now(), holder.who(), "state rollback",
                    EngineState.Result.SUCCESS.wire(), 0, t.profileName(), t.profileVersion(), t.packageSha256(),
                    tree.manifest().digest(), tree.manifest().files(), tree.manifest().bytes(), false);
        }, 0).revision();
    }

    @Override
    public RevisionInfo importRevision(RevisionInfo meta, Path pulledDir) throws IOException {
        String name = StateNames.requireValid(meta.name());
        requireHistory();
        Optional<RevisionRecord> existing = history.read(name, meta.revision());
        if (existing.isPresent()) {
            RevisionInfo have = existing.get().info();
            if (have.removed() == meta.removed() && Objects.equals(have.treeSha256(), meta.treeSha256())) {
                return have;
            }
            throw StateErrors.importConflict(name, meta.revision(), backendName());
        }
        List<Long> numbers = history.numbers(name);
        if (!numbers.isEmpty() && numbers.get(numbers.size() - 1) > meta.revision()) {
            throw StateErrors.importTooOld(name, meta.revision(), numbers.get(numbers.size() - 1), backendName());
        }
        if (meta.removed()) {
            Files2.createPrivateDirectories(dir);
            recover(name);
            commitRemoval(name, meta);
            return meta;
        }
        Path pulledRuntime = pulledDir.resolve(name + RUNTIME);
        TreeManifest pulled = TreeManifest.scan(pulledRuntime, TreeManifest.KnownDigests.NONE);
        if (meta.treeSha256() != null && !pulled.digest().equals(meta.treeSha256())) {
            throw StateErrors.importDigest(name, meta.revision(), meta.treeSha256());
        }
        Path runtime = runtimeDir(name);
        Path pulledJson = pulledDir.resolve(name + ".json");
        return commit(name, staging -> {
            pulled.materialize(staging, pulled.blobsIn(pulledRuntime));
            Optional<byte[]> json = policy.clusterFileFor(staging, runtime);
            if (json.isEmpty() && Files.isRegularFile(pulledJson, LinkOption.NOFOLLOW_LINKS)) {
                json = Optional.of(Files.readAllBytes(pulledJson));
            }
            return json;
        }, staged -> { }, (number, tree) -> new RevisionInfo(name, meta.revision(), meta.createdAt(), meta.who(),
                meta.command(), meta.result(), meta.exitCode(), meta.profileName(), meta.profileVersion(),
                meta.packageSha256(), tree.manifest().digest(), tree.manifest().files(), tree.manifest().bytes(),
                false), meta.revision()).revision();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private void requireHistory() {
        if (!keepsHistory) {
            throw new IllegalStateException("a local mirror keeps no history: " + dir);
        }
    }

    /** A revision to write out and where its file contents come from. */
    private record Source(RevisionRecord record, TreeManifest.Blobs blobs) {
    }

    /**
     * The stored record of {@code revision} (default: current), or the untracked current tree as revision 0, for
     * {@code doing} ("pull", "roll back to"); the errors of docs/state.md "Errors".
     */
    private Source stored(String name, OptionalLong revision, String doing) throws IOException {
        List<Long> numbers = history.numbers(name);
        if (revision.isPresent() && revision.getAsLong() != 0 || revision.isEmpty() && !numbers.isEmpty()) {
            long wanted = revision.isPresent() ? revision.getAsLong() : numbers.get(numbers.size() - 1);
            RevisionRecord record = history.read(name, wanted).orElseThrow(() -> revision.isPresent()
                    ? StateErrors.noRevision(name, wanted, backendName()) : StateErrors.noState(name, backendName()));
            if (record.info().removed()) {
                if (revision.isEmpty()) {
                    throw StateErrors.noState(name, backendName());
                }
                throw StateErrors.removal(name, wanted, doing);
            }
            return new Source(record, (sha, size) -> history.objects().open(sha));
        }
        if (!numbers.isEmpty() || !Files.isDirectory(runtimeDir(name), LinkOption.NOFOLLOW_LINKS)) {
            throw revision.isPresent() ? StateErrors.noRevision(name, 0, backendName())
                    : StateErrors.noState(name, backendName());
        }
        return untracked(name);
    }

    /**
     * The current tree of a state that has no history yet, as revision 0, read from the runtime files themselves
     * (each checked against the digest just taken, so a tree changed meanwhile is reported, not half copied).
     */
    private Source untracked(String name) throws IOException {
        Path runtime = runtimeDir(name);
        TreeManifest manifest = TreeManifest.scan(runtime, TreeManifest.KnownDigests.NONE);
        Optional<EngineState> state = readEngineState(name);
        RevisionInfo info = describe(name, 0, new Scanned(runtime, manifest), state.orElse(null));
        return new Source(new RevisionRecord(info, manifest, currentJson(clusterFile(name))), manifest.blobsIn(runtime));
    }

    /**
     * {@code record} once its manifest is safe to write and is the tree the revision records (exit 4 naming the
     * revision otherwise): checked before anything is written.
     */
    private static RevisionRecord verified(RevisionRecord record) {
        try {
            record.tree().verify(record.info().treeSha256());
            return record;
        } catch (TreeManifest.Refused refused) {
            throw refused.in(record.info().name(), record.info().revision());
        }
    }

    private static void materialize(Source source, Path staging) throws IOException {
        try {
            source.record().tree().materialize(staging, source.blobs());
        } catch (TreeManifest.Refused refused) {
            throw refused.in(source.record().info().name(), source.record().info().revision());
        }
    }

    private RevisionInfo describe(String name, long revision, Scanned tree, EngineState metadata) {
        LockHolder holder = holder(name);
        EngineState.LastAction action = metadata == null ? null : metadata.lastAction();
        return new RevisionInfo(name, revision, Instant.now(), holder.who(),
                holders.containsKey(name) || action == null ? holder.command() : action.command(),
                action == null || action.result() == null ? null : action.result().wire(),
                action == null ? null : action.exitCode(),
                metadata == null || metadata.profile() == null ? null : metadata.profile().name(),
                metadata == null || metadata.profile() == null ? null : metadata.profile().version(),
                metadata == null || metadata.pkg() == null ? null : metadata.pkg().sha256(),
                tree.manifest().digest(), tree.manifest().files(), tree.manifest().bytes(), false);
    }

    /** The author of a change: the lock holder, else this process. */
    private LockHolder holder(String name) {
        LockHolder held = holders.get(name);
        return held != null ? held : LocalIdentity.holder(System.getenv(), "profile", Instant.now());
    }

    private static byte[] currentJson(Path clusterFile) throws IOException {
        try {
            return Files.isRegularFile(clusterFile, LinkOption.NOFOLLOW_LINKS) ? Files.readAllBytes(clusterFile) : null;
        } catch (NoSuchFileException gone) {
            return null;
        }
    }

    private static void writePrivate(Path file, byte[] content) throws IOException {
        Files.write(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.setPosixFilePermissions(file, Files2.FILE_PRIVATE);
    }

    private static long modified(Path path) {
        try {
            return Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return Long.MIN_VALUE;
        }
    }

    private static String txn() {
        byte[] random = new byte[8];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private Path aside(String name, String kind, String txn) {
        return dir.resolve(name + RUNTIME + "." + kind + "-" + txn);
    }

    private Path stagedJson(String name, String txn) {
        return dir.resolve("." + name + ".json.staged-" + txn);
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

    private final class LocalLock implements StateLock {
        private final String name;
        private final FileLocks.Held held;
        private boolean open = true;

        LocalLock(String name, FileLocks.Held held) {
            this.name = name;
            this.held = held;
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
            holders.remove(name);
            sidecar.delete(name); // before the OS lock goes, so it never names a holder that is gone
            held.close();
        }
    }
}
