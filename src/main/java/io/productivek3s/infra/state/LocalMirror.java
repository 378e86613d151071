package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.fs.DigestMemo;
import io.productivek3s.infra.state.driver.StateLocker;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files {@code pk3s} reads (docs/contract/state-files.md#layout), kept by the {@link StateLayer} as the mirror of
 * its driver's newest revision, plus hidden bookkeeping that {@code pk3s} never reads:
 * <pre>
 * &lt;dir&gt;/&lt;name&gt;.json   &lt;dir&gt;/&lt;name&gt;.lock   &lt;dir&gt;/&lt;name&gt;.runtime/{generated/, opentofu/, engine-state.json}
 * &lt;dir&gt;/.locks/&lt;name&gt;.holder.json             who holds the lock ({@link FileLocker})
 * &lt;dir&gt;/.&lt;name&gt;.commit                       the commit journal of a change in progress ({@link CommitJournal})
 * </pre>
 * Every change of the pair is one commit point: the new tree is staged ({@code <name>.runtime.tmp-<txn>},
 * {@code .<name>.json.staged-<txn>}), the layer commits the revision to its driver (the hook), then the journal is
 * created atomically, then the renames are done and the journal deleted. The next holder of the lock rolls a
 * journalled change forward, and deletes what an unjournalled one staged, so the pair {@code pk3s} reads ends as the
 * old or the new state and a half-done removal completes instead of resurrecting; a crash between the driver's
 * commit and the journal leaves the old pair, which the layer brings up to the committed revision on its next run.
 *
 * <p>Two kinds: the local backend's own directory ({@link #local}: the driver's OS locks on {@code <name>.lock} are
 * the mirror's too, and journals name the revision they publish, so that a stale removal is recognised), and the
 * mirror of a shared backend ({@link #of}: it takes the same OS locks itself, marks the directory as a mirror, and
 * its journals name no revision). Any number of instances may share a directory, in one JVM or several processes.
 */
public final class LocalMirror {
    private static final String RUNTIME = ".runtime";
    private static final String ENGINE_STATE = SnapshotPolicy.ENGINE_STATE;

    private final Path dir;
    private final Consumer<String> warn;
    private final SnapshotPolicy policy;
    private final CommitJournal journal;
    private final JournalTriage triage;
    /** The OS locks this mirror takes itself (a shared backend's); empty: the driver's locks are the mirror's. */
    private final Optional<FileLocker> ownLocks;
    /** The shared backend this directory mirrors (null: it is the local backend's own directory). */
    private final String mirrorOf;
    private final Function<String, Path> memoFiles;

    private LocalMirror(Path stateDir, Consumer<String> warn, Function<String, Path> memoFiles, String mirrorOf,
            Optional<JournalTriage.Records> records) {
        this.dir = stateDir.toAbsolutePath().normalize();
        this.warn = Objects.requireNonNull(warn, "warn");
        this.memoFiles = Objects.requireNonNull(memoFiles, "memoFiles");
        this.mirrorOf = mirrorOf;
        this.policy = new SnapshotPolicy(warn);
        this.journal = new CommitJournal(dir);
        this.triage = new JournalTriage(records);
        this.ownLocks = mirrorOf == null ? Optional.empty() : Optional.of(new FileLocker(dir));
    }

    /**
     * The mirror of a shared backend named {@code backendName}: it takes the OS locks itself and marks the directory
     * ({@link MirrorMarker}). {@code digestMemos} says where the digest memo of a name's tree is kept.
     */
    static LocalMirror of(Path stateDir, Consumer<String> warn, String backendName, Function<String, Path> digestMemos) {
        return new LocalMirror(stateDir, warn, digestMemos, Objects.requireNonNull(backendName, "backendName"),
                Optional.empty());
    }

    /**
     * The local backend's own directory: its driver holds the OS locks, a directory marked as a shared backend's
     * mirror is refused, and journals are judged against the driver's revisions ({@code records}).
     */
    static LocalMirror local(Path stateDir, Consumer<String> warn, Function<String, Path> digestMemos,
            JournalTriage.Records records) {
        return new LocalMirror(stateDir, warn, digestMemos, null, Optional.of(records));
    }

    /** Whether this is the local backend's own directory (not a shared backend's mirror). */
    boolean isLocal() {
        return mirrorOf == null;
    }

    Path location() {
        return dir;
    }

    Path clusterFile(String name) {
        return entry(name, ".json");
    }

    Path runtimeDir(String name) {
        return entry(name, RUNTIME);
    }

    // ---- locks ---------------------------------------------------------------------------------------------

    /**
     * Makes the mirror of {@code name} this run's: a shared backend's mirror takes the OS lock (refused at once when
     * held: the backend's lock was just taken, so only another process on this host can hold it); the local
     * backend's driver already holds it. Then whatever an interrupted run left is recovered.
     */
    StateLock lock(String name, LockHolder holder) throws IOException {
        Optional<String> mirrored = MirrorMarker.read(dir);
        if (mirrorOf == null && mirrored.isPresent()) {
            throw MirrorMarker.refused(dir, mirrored.get());
        }
        Files2.createPrivateDirectories(dir);
        if (mirrorOf != null) {
            MirrorMarker.write(dir, mirrorOf);
        }
        Optional<StateLocker.Lease> lease = Optional.empty();
        if (ownLocks.isPresent()) {
            StateLocker.Attempt attempt = ownLocks.get().tryAcquire(name, holder);
            if (!attempt.isTaken()) {
                throw StateErrors.locked(name, ownLocks.get().file(name).toString(), attempt.currentHolder());
            }
            lease = attempt.lease();
        }
        Optional<StateLocker.Lease> taken = lease;
        StateLock lock = new StateLock() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void close() {
                taken.ifPresent(l -> ownLocks.get().release(l));
            }
        };
        try {
            recover(name);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        return lock;
    }

    // ---- restore / persist / remove ------------------------------------------------------------------------

    /**
     * Restores through the policy, which hard-links provider binaries into the scenario: that changes their change
     * time, so the memo's entries for them are carried to it (docs/state.md "Digest memo"); {@link #release} takes
     * the links back.
     */
    void restore(String name, Path scenarioDir) throws IOException {
        recover(name);
        Path runtime = runtimeDir(name);
        TreeMemo memo = memo(name);
        DigestMemo.Carry carry = memo.carry(runtime);
        policy.restore(runtime, scenarioDir);
        carry.to(runtime);
        memo.save();
    }

    /** Removes the scenario's hard links to runtime files the memo vouches for, and carries their entries. */
    void release(String name, Path scenarioDir) {
        memo(name).release(runtimeDir(name), scenarioDir);
    }

    /** The files of {@code name}'s runtime tree whose digest the memo vouches for, by sha256. */
    Map<String, Path> filesByDigest(String name) {
        return memo(name).filesByDigest(runtimeDir(name));
    }

    private TreeMemo memo(String name) {
        return TreeMemo.open(memoFiles.apply(StateNames.requireValid(name)));
    }

    /** The snapshot policy this mirror applies; the layer stages and restores through the same one. */
    SnapshotPolicy policy() {
        return policy;
    }

    /**
     * A staged runtime tree, the {@code <name>.json} bytes that go with it, and its manifest (null when the layer
     * publishes a tree it materialized) with the number of file digests the memo supplied.
     */
    record Staged(Path tree, Optional<byte[]> clusterJson, TreeManifest manifest, long digestsFromMemo) {
    }

    /**
     * Called with a staged tree before it is published: the layer commits the revision there, so a failed commit (an
     * exception) leaves the mirror exactly as it was. Returns the revision committed (0: none is named).
     */
    @FunctionalInterface
    interface StagedHook {
        long staged(Staged staged) throws IOException;
    }

    /** Fills an empty private staging directory; returns the {@code <name>.json} bytes to publish, if any. */
    @FunctionalInterface
    interface StagedTree {
        Optional<byte[]> fill(Path staging) throws IOException;
    }

    /** The tree the state holds now, as the driver knows it, for a persist-if-changed. */
    @FunctionalInterface
    interface CurrentTree {
        Optional<TreeManifest> get() throws IOException;
    }

    /**
     * Persists {@code scenarioDir} through the policy, calling {@code hook} once the new tree is staged and scanned;
     * with {@code current}, a staged tree equal to it but for engine-state.json is discarded instead and the result
     * is empty.
     */
    Optional<PersistResult> persist(String name, Path scenarioDir, EngineState metadata, StagedHook hook,
            CurrentTree current) throws IOException {
        Objects.requireNonNull(metadata, "metadata");
        Path runtime = runtimeDir(name);
        TreeMemo memo = memo(name);
        KeptFiles kept = new KeptFiles(runtime, memo);
        return commit(name, staging -> {
            // The capture hard-links provider binaries from the scenario and the runtime tree's unchanged files from
            // there (docs/state.md "The local mirror"): their entries follow the new change time.
            DigestMemo.Carry carry = memo.carry(scenarioDir);
            DigestMemo.Carry mirrored = memo.carry(runtime);
            Optional<byte[]> json = policy.capture(scenarioDir, staging, runtime, metadata, kept);
            carry.to(scenarioDir);
            mirrored.to(staging);
            return json;
        }, hook, memo, kept, current);
    }

    /**
     * Makes a tree built by {@code filler} in a private staging directory the name's runtime tree, and the
     * {@code cluster.json} bytes it returns {@code <name>.json} (none: {@code <name>.json} is left as it is), after
     * {@code hook} (the layer's commit, if any) succeeded. For trees materialized from the driver (a mirror sync, a
     * rollback, an import): every file is new, so the digest memo starts empty.
     */
    PersistResult publish(String name, StagedTree filler, StagedHook hook) throws IOException {
        return commit(name, filler, hook, memo(name), null, null).orElseThrow();
    }

    /**
     * Stage, commit (hook), journal, rename: see the class comment. {@code kept} (null: a materialized tree, not
     * scanned) are the runtime tree's files the staging linked; {@code unchangedIf} see {@link #persist}.
     */
    private Optional<PersistResult> commit(String name, StagedTree filler, StagedHook hook, TreeMemo memo,
            KeptFiles kept, CurrentTree unchangedIf) throws IOException {
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
        DigestMemo.Carry published;
        try {
            Files.setPosixFilePermissions(tmp, Files2.DIR_PRIVATE);
            cluster = filler.fill(tmp);
            CrashPoints.reach("persist.staged-tree");
            TreeManifest manifest = null;
            if (kept != null) {
                TreeMemo.Scan known = memo.scan(tmp);
                manifest = TreeManifest.scan(tmp, known);
                known.done(manifest);
                kept.confirm(tmp, manifest);
                Optional<TreeManifest> now = unchangedIf == null ? Optional.empty() : unchangedIf.get();
                if (now.isPresent() && manifest.sameExcept(now.get(), ENGINE_STATE)) {
                    // Unlinking the kept files' staged names changes their change time: the entries follow.
                    DigestMemo.Carry back = memo.carry(tmp);
                    Files2.deleteQuietly(tmp);
                    back.to(runtime);
                    memo.save();
                    return Optional.empty();
                }
                CrashPoints.reach("persist.scanned");
            } else {
                memo.clear(); // every file is new: nothing is known of it
            }
            if (cluster.isPresent()) {
                writePrivate(stagedJson, cluster.get());
                CrashPoints.reach("persist.json-staged");
            }
            // The driver may hard-link big files and publishing unlinks the old tree's names: follow them.
            published = memo.carry(tmp);
            long revision = hook.staged(new Staged(tmp, cluster, manifest, memo.hits()));
            entry = new CommitJournal.Entry(CommitJournal.Op.PERSIST, txn, revision);
            journal.write(name, entry);
        } catch (IOException | RuntimeException e) {
            Files2.deleteQuietly(tmp);
            Files2.deleteQuietly(stagedJson);
            throw e;
        }
        CrashPoints.reach("persist.committed");
        rollForward(name, entry);
        published.to(runtime);
        memo.save();
        return Optional.of(new PersistResult(cluster.isPresent() ? Optional.of(clusterFile) : Optional.empty(),
                runtime));
    }

    /**
     * Removes the pair after the layer recorded the removal as {@code revision} (0: none is named): the journal is
     * the commit point, {@code <name>.json} goes first.
     */
    void remove(String name, long revision) throws IOException {
        Path runtime = runtimeDir(name);
        Path clusterFile = clusterFile(name);
        if (!Files.isDirectory(dir)) {
            return;
        }
        recover(name);
        if (!Files.exists(clusterFile, LinkOption.NOFOLLOW_LINKS) && !Files.exists(runtime, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(memoFiles.apply(name));
            return;
        }
        CommitJournal.Entry entry = new CommitJournal.Entry(CommitJournal.Op.REMOVE, txn(), revision);
        journal.write(name, entry);
        CrashPoints.reach("remove.committed");
        rollForward(name, entry);
    }

    /** Completes a journalled change; every step checks whether it was already done, so it can be repeated. */
    private void rollForward(String name, CommitJournal.Entry entry) throws IOException {
        Path runtime = runtimeDir(name);
        Path clusterFile = clusterFile(name);
        if (entry.op() == CommitJournal.Op.PERSIST) {
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
            journal.delete(name);
            CrashPoints.reach("persist.marker-deleted");
            Files2.deleteQuietly(old);
            CrashPoints.reach("persist.old-deleted");
        } else {
            // <name>.json first: once the cluster is gone, pk3s must not find it even while the rest completes.
            Files.deleteIfExists(clusterFile);
            CrashPoints.reach("remove.json-deleted");
            Path doomed = aside(name, "del", entry.txn());
            if (Files.exists(runtime, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(runtime, doomed, StandardCopyOption.ATOMIC_MOVE);
                CrashPoints.reach("remove.runtime-moved");
            }
            Files.deleteIfExists(memoFiles.apply(name));
            journal.delete(name);
            CrashPoints.reach("remove.marker-deleted");
            Files2.deleteRecursively(doomed);
            CrashPoints.reach("remove.runtime-deleted");
        }
    }

    /**
     * Repairs what an interrupted run left for {@code name}: a journalled change is completed; without a journal,
     * staged trees, staged {@code <name>.json} files and trees being deleted are removed, and a runtime tree moved
     * aside by an older engine's interrupted swap is moved back. The patterns are exact, so they never match
     * another profile's files.
     */
    void recover(String name) throws IOException {
        StateNames.requireValid(name);
        if (!Files.isDirectory(dir)) {
            return;
        }
        Optional<CommitJournal.Entry> pending = journal.read(name);
        if (pending.isPresent()) {
            JournalTriage.Decision decision = decide(name, pending.get());
            switch (decision.verdict()) {
                case ROLL_FORWARD -> {
                    rollForward(name, pending.get());
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
            Path newest = olds.stream().max(Comparator.comparing(LocalMirror::modified)).orElseThrow();
            Files.move(newest, runtime, StandardCopyOption.ATOMIC_MOVE);
            olds.remove(newest);
            warn.accept("recovered profile runtime state left by an interrupted run: " + runtime);
        }
        garbage.addAll(olds);
        for (Path path : garbage) {
            Files2.deleteRecursively(path);
        }
    }

    private JournalTriage.Decision decide(String name, CommitJournal.Entry entry) throws IOException {
        return triage.decide(name, entry, aside(name, "tmp", entry.txn()));
    }

    /**
     * Refuses (exit 4, naming the file) when {@code name} has a commit journal no run can act on: malformed, of a
     * newer engine, written for another name, or naming a persist of which nothing exists. Takes no lock.
     */
    void requireDecidable(String name) throws IOException {
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
     * Whether a list shows {@code name}: not while a decided removal is pending, nor (WARN) while its journal
     * cannot be decided. Read without the lock, so a journal that changed under the reading (a run finishing) is read
     * again before it is called foreign.
     */
    boolean listed(String name) throws IOException {
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

    /** The pair's {@code engine-state.json}; empty when absent or malformed. */
    Optional<EngineState> readEngineState(String name) throws IOException {
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

    /** The current {@code <name>.json} bytes (null: none). */
    byte[] clusterJson(String name) throws IOException {
        Path file = clusterFile(name);
        try {
            return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? Files.readAllBytes(file) : null;
        } catch (NoSuchFileException gone) {
            return null;
        }
    }

    /** Whether the pair of {@code name} (either half) is there. */
    boolean has(String name) {
        return Files.exists(clusterFile(name), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(runtimeDir(name), LinkOption.NOFOLLOW_LINKS);
    }

    /** Every valid name whose pair (either half) is in the directory, sorted. */
    List<String> names() throws IOException {
        return listing().names();
    }

    /**
     * What one reading of the directory shows: the valid names with a pair (either half), sorted, and the names with
     * a commit journal (a file named like one, whatever it holds). {@code state list} asks about every cluster's
     * journal; one listing answers "none" for all but the few that have one, instead of one lookup per cluster
     * (docs/performance.md "Local `state list` at 1,000 clusters").
     */
    Listing listing() throws IOException {
        Set<String> names = new HashSet<>();
        Set<String> journaled = new HashSet<>();
        if (!Files.isDirectory(dir)) {
            return new Listing(List.of(), Set.of());
        }
        for (String file : Files2.names(dir)) {
            String name = file.endsWith(".json") ? file.substring(0, file.length() - 5)
                    : file.endsWith(RUNTIME) ? file.substring(0, file.length() - RUNTIME.length()) : null;
            if (name != null && (names.contains(name) || StateNames.isValid(name))) {
                names.add(name);
            } else {
                CommitJournal.nameOf(file).ifPresent(journaled::add);
            }
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(null);
        return new Listing(List.copyOf(sorted), journaled);
    }

    /** One reading of the state directory (see {@link #listing()}). */
    record Listing(List<String> names, Set<String> journaled) {
    }

    /**
     * {@link #listed(String)} where {@code listing} found no journal for {@code name}: listed, as a journal that
     * appears after the listing belongs to a run that started after it.
     */
    boolean listed(String name, Listing listing) throws IOException {
        return !listing.journaled().contains(name) || listed(name);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

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
}
