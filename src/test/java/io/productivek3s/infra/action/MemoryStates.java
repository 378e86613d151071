package io.productivek3s.infra.action;

import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateLayer;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.driver.MemoryDriver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The real state layer over the memory driver, with fixture helpers for the in-process tests of the state actions
 * and commands: revisions are written as {@code state migrate} would import them (so their author, time and command
 * are the test's), another run's lock is taken through the driver's locker. No test double: every call the actions
 * make runs the code the PostgreSQL backend runs (docs/state.md "State layer and drivers").
 */
public final class MemoryStates {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    private final MemoryDriver driver;
    private final StateLayer layer;
    private final Path scratch;

    /** A backend named {@code description} whose local mirror is {@code mirror}; fixtures are built in {@code scratch}. */
    public MemoryStates(String description, Path mirror, Path scratch) {
        this.driver = new MemoryDriver(description);
        this.layer = StateLayer.open(driver, mirror, ".pk3s-memory", w -> { }, d -> { });
        this.scratch = scratch;
    }

    public StateLayer store() {
        return layer;
    }

    /**
     * Adds the next revision of {@code name} as a run by alice@ws1 would have written it, a minute after the last;
     * {@code files} are paths of the pulled layout ({@code <name>.json}, {@code <name>.runtime/...}).
     */
    public RevisionInfo write(String name, String command, String result, String version, Map<String, String> files) {
        long next = history(name).size() + 1;
        RevisionInfo meta = new RevisionInfo(name, next, T0.plusSeconds(60 * (next - 1)), "alice@ws1", command, result,
                0, "fixture-profile", version, "pkgsha", null, 0, 0, false);
        return importAs(meta, files);
    }

    /** Records a destroy of {@code name} at 11:00: the cluster is gone, its history stays. */
    public RevisionInfo removeAsDestroy(String name) {
        long next = history(name).size() + 1;
        return importAs(new RevisionInfo(name, next, Instant.parse("2026-11-28T11:00:00Z"), "alice@ws1",
                "profile destroy", "success", 0, "fixture-profile", "1.0.0", "pkgsha", null, 0, 0, true), Map.of());
    }

    /** {@code holder} (another run) takes {@code name}'s lock. */
    public void lockAs(String name, LockHolder holder) {
        try {
            driver.locker().tryAcquire(name, holder).lease().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean locked(String name) {
        try {
            return driver.locker().holder(name).isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<RevisionInfo> history(String name) {
        try {
            return layer.history(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RevisionInfo importAs(RevisionInfo meta, Map<String, String> files) {
        try {
            Path pulled = Files.createTempDirectory(Files.createDirectories(scratch), "fixture-");
            Files.createDirectories(pulled.resolve(meta.name() + ".runtime"));
            for (Map.Entry<String, String> file : files.entrySet()) {
                Path path = pulled.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.writeString(path, file.getValue());
            }
            LockHolder fixture = new LockHolder("fixture", "ws1", 1, "fixture", T0);
            try (StateLock lock = layer.lock(meta.name(), LockRequest.now(fixture))) {
                return layer.importRevision(meta, pulled);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
