package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.PersistResult;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.StateNames;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A {@link StateStore} test double kept in memory, so the state actions and their rendering can be exercised in
 * process while the real backends are built: revisions are file trees (relative path → bytes) with the metadata of
 * {@link RevisionInfo}; locks are holders, waited for up to the request's timeout. Local paths ({@link #clusterFile})
 * point into {@code root}, where {@link #pull} writes.
 */
public final class MemoryStateStore implements StateStore {
    private final Path root;
    private final Map<String, List<Revision>> revisions = new ConcurrentHashMap<>();
    private final Map<String, LockHolder> locks = new ConcurrentHashMap<>();
    /** Current state written before history existed: listed, no revisions, pulled as revision 0. */
    private final Map<String, SortedMap<String, byte[]>> untracked = new ConcurrentHashMap<>();
    private final List<String> imports = new ArrayList<>();

    /** One stored revision: its record and its tree ({@code <name>.json} and the runtime files). */
    record Revision(RevisionInfo info, SortedMap<String, byte[]> tree) {
    }

    public MemoryStateStore(Path root) {
        this.root = root;
    }

    /** Adds a revision as a run would have written it; returns its record. */
    public RevisionInfo write(String name, String command, String result, String version, Map<String, String> files) {
        List<Revision> list = revisions.computeIfAbsent(name, n -> new ArrayList<>());
        SortedMap<String, byte[]> tree = new TreeMap<>();
        files.forEach((path, content) -> tree.put(path, content.getBytes(StandardCharsets.UTF_8)));
        RevisionInfo info = info(name, list.size() + 1, Instant.parse("2026-11-28T10:00:00Z").plusSeconds(60L * list.size()),
                "alice@ws1", command, result, "fixture-profile", version, tree, false);
        list.add(new Revision(info, tree));
        return info;
    }

    /** State as an engine before history left it: current, with no revision recorded. */
    public void writeUntracked(String name, Map<String, String> files) {
        SortedMap<String, byte[]> tree = new TreeMap<>();
        files.forEach((path, content) -> tree.put(path, content.getBytes(StandardCharsets.UTF_8)));
        untracked.put(name, tree);
    }

    /** Records a destroy: the cluster is gone, its history stays. */
    public RevisionInfo removeAsDestroy(String name) {
        List<Revision> list = revisions.get(name);
        RevisionInfo info = info(name, list.size() + 1, Instant.parse("2026-11-28T11:00:00Z"), "alice@ws1", "profile destroy",
                "success", "fixture-profile", "1.0.0", new TreeMap<>(), true);
        list.add(new Revision(info, new TreeMap<>()));
        return info;
    }

    /** Marks {@code name} as locked by {@code holder} (another run). */
    public void lockAs(String name, LockHolder holder) {
        locks.put(name, holder);
    }

    public boolean locked(String name) {
        return locks.containsKey(name);
    }

    /** Names and numbers imported, in order: "name#3". */
    public List<String> imports() {
        return imports;
    }

    @Override
    public Path location() {
        return root;
    }

    @Override
    public Path clusterFile(String name) {
        return root.resolve(StateNames.requireValid(name) + ".json");
    }

    @Override
    public Path runtimeDir(String name) {
        return root.resolve(StateNames.requireValid(name) + ".runtime");
    }

    @Override
    public StateLock lock(String name, LockRequest request) throws IOException {
        StateNames.requireValid(name);
        long deadline = System.nanoTime() + request.timeout().toNanos();
        while (locks.putIfAbsent(name, request.holder()) != null) {
            if (System.nanoTime() >= deadline) {
                LockHolder holder = locks.get(name);
                throw EngineException.invalid("profile state for '" + name + "' is locked by another run: memory"
                        + (holder == null ? "" : " (held by " + holder.describe() + ")"));
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        return new StateLock() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void close() {
                locks.remove(name, request.holder());
            }
        };
    }

    @Override
    public void restore(String name, Path scenarioDir) {
        throw new UnsupportedOperationException("runs are not exercised on the memory store");
    }

    @Override
    public PersistResult persist(String name, Path scenarioDir, EngineState metadata) {
        throw new UnsupportedOperationException("runs are not exercised on the memory store");
    }

    @Override
    public Optional<PersistResult> persistIfChanged(String name, Path scenarioDir, EngineState metadata) {
        throw new UnsupportedOperationException("runs are not exercised on the memory store");
    }

    @Override
    public void remove(String name) {
        throw new UnsupportedOperationException("runs are not exercised on the memory store");
    }

    @Override
    public Optional<EngineState> readEngineState(String name) throws IOException {
        Optional<Revision> current = current(name);
        if (current.isEmpty()) {
            return Optional.empty();
        }
        byte[] json = current.get().tree().get(name + ".runtime/engine-state.json");
        return json == null ? Optional.empty() : Optional.of(EngineState.fromJson(new String(json, StandardCharsets.UTF_8)));
    }

    @Override
    public List<ClusterInfo> list() {
        List<ClusterInfo> clusters = new ArrayList<>();
        untracked.keySet().forEach(name -> clusters.add(new ClusterInfo(name, null, null, null, null, null, 0, locks.get(name))));
        new TreeMap<>(revisions).forEach((name, list) -> {
            RevisionInfo last = list.get(list.size() - 1).info();
            if (!last.removed()) {
                clusters.add(new ClusterInfo(name, last.profileName(), last.profileVersion(), last.command(), last.result(),
                        last.createdAt(), last.revision(), locks.get(name)));
            }
        });
        clusters.sort(java.util.Comparator.comparing(ClusterInfo::name));
        return clusters;
    }

    @Override
    public List<RevisionInfo> history(String name) {
        StateNames.requireValid(name);
        return revisions.getOrDefault(name, List.of()).stream().map(Revision::info).toList();
    }

    @Override
    public RevisionInfo pull(String name, OptionalLong revision, Path outputDir) throws IOException {
        Revision found = find(name, revision.isPresent() ? revision.getAsLong() : -1);
        for (Map.Entry<String, byte[]> file : found.tree().entrySet()) {
            Path target = outputDir.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.write(target, file.getValue());
        }
        return found.info();
    }

    @Override
    public RevisionInfo rollback(String name, long revision, LockHolder holder) {
        if (!holder.equals(locks.get(name))) {
            throw new IllegalStateException("rollback without the lock");
        }
        Revision old = find(name, revision);
        List<Revision> list = revisions.get(name);
        RevisionInfo info = info(name, list.size() + 1, Instant.parse("2026-11-28T12:00:00Z"), holder.who(), "state rollback",
                "success", old.info().profileName(), old.info().profileVersion(), old.tree(), false);
        list.add(new Revision(info, old.tree()));
        return info;
    }

    @Override
    public RevisionInfo importRevision(RevisionInfo meta, Path pulledDir) throws IOException {
        if (!locks.containsKey(meta.name())) {
            throw new IllegalStateException("import without the lock");
        }
        SortedMap<String, byte[]> tree = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(pulledDir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                tree.put(pulledDir.relativize(file).toString(), Files.readAllBytes(file));
            }
        }
        List<Revision> list = revisions.computeIfAbsent(meta.name(), n -> new ArrayList<>());
        for (Revision existing : list) {
            if (existing.info().revision() == meta.revision()) {
                return existing.info();
            }
        }
        RevisionInfo info = info(meta.name(), meta.revision(), meta.createdAt(), meta.who(), meta.command(), meta.result(),
                meta.profileName(), meta.profileVersion(), tree, meta.removed());
        list.add(new Revision(info, tree));
        imports.add(meta.name() + "#" + meta.revision());
        return info;
    }

    @Override
    public List<String> names() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>(revisions.keySet());
        names.addAll(untracked.keySet());
        return List.copyOf(names);
    }

    @Override
    public Optional<LockHolder> lockHolder(String name) {
        StateNames.requireValid(name);
        return Optional.ofNullable(locks.get(name));
    }

    @Override
    public Optional<LockHolder> forceUnlock(String name) {
        StateNames.requireValid(name);
        return Optional.ofNullable(locks.remove(name));
    }

    private Optional<Revision> current(String name) {
        List<Revision> list = revisions.get(name);
        if (list == null || list.isEmpty() || list.get(list.size() - 1).info().removed()) {
            return Optional.empty();
        }
        return Optional.of(list.get(list.size() - 1));
    }

    private Revision find(String name, long revision) {
        List<Revision> list = revisions.getOrDefault(name, List.of());
        if (list.isEmpty() && untracked.containsKey(name) && revision <= 0) {
            SortedMap<String, byte[]> tree = untracked.get(name);
            return new Revision(info(name, 0, Instant.parse("2026-11-27T09:00:00Z"), "unknown", "profile install", "success",
                    null, null, tree, false), tree);
        }
        if (list.isEmpty()) {
            throw EngineException.missing("no state named '" + name + "'");
        }
        if (revision < 0) {
            return current(name).orElseThrow(() -> EngineException.missing("state '" + name + "' was removed"));
        }
        return list.stream().filter(r -> r.info().revision() == revision).findFirst()
                .orElseThrow(() -> EngineException.missing("state '" + name + "' has no revision " + revision));
    }

    /** The tree digest: sha256 over each file's path and sha256, in path order (so equal trees compare equal). */
    static String treeSha256(SortedMap<String, byte[]> tree) {
        StringBuilder manifest = new StringBuilder();
        tree.forEach((path, content) -> manifest.append(path).append('\0').append(Digests.sha256(content)).append('\n'));
        return Digests.sha256(manifest.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static RevisionInfo info(String name, long number, Instant at, String who, String command, String result,
            String profile, String version, SortedMap<String, byte[]> tree, boolean removed) {
        long bytes = tree.values().stream().mapToLong(b -> b.length).sum();
        return new RevisionInfo(name, number, at, who, command, result, removed ? null : 0, profile, version, "pkgsha",
                treeSha256(tree), tree.size(), bytes, removed);
    }
}
