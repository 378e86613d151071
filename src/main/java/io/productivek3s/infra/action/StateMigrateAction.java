package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.Workspace;
import io.productivek3s.infra.state.LocalIdentity;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.MirrorMarker;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.backends.StateBackends;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.pg.PgConnectionSpec;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * {@code state migrate --to <backend>}: copies every cluster of the current backend, with its whole history, into
 * another one. Per cluster, under the target's lock, each revision the target lacks is pulled from the source into a
 * private temp dir and imported, oldest first, and the tree digest the target reports must equal the source's.
 * Revisions the target already has with the same digest are skipped, so a second run copies nothing; one with
 * another digest stops the migration (exit 4) rather than overwrite. The source is only read.
 */
public final class StateMigrateAction {
    /** One cluster's outcome: revisions in the source, copied now, already present in the target. */
    public record ClusterResult(String name, int revisions, int copied, int present, long current) {
    }

    /** The whole migration; {@code target} is the --to value with any password masked. */
    public record Result(String source, String target, List<ClusterResult> clusters) {
    }

    private final EngineContext context;
    private final StateStores stores;

    public StateMigrateAction(EngineContext context, StateStores stores) {
        this.context = context;
        this.stores = stores;
    }

    public Result run(String to, Duration lockTimeout) {
        if (to == null || to.isBlank()) {
            throw EngineException.missing("the 'state migrate' command requires --to <backend>");
        }
        String current = context.env().getOrDefault(StateBackends.VARIABLE, "").trim();
        if (normalized(current).equals(normalized(to))) {
            throw EngineException.usage("state migrate --to names the backend already in use (" + StateBackends.VARIABLE
                    + "); set " + StateBackends.VARIABLE + " to the source backend");
        }
        LockHolder holder = LocalIdentity.holder(context.env(), "state migrate", Instant.now(context.clock()));
        List<ClusterResult> results = new ArrayList<>();
        try (StateStore source = stores.open(); StateStore target = stores.open(to);
                Workspace workspace = Workspace.create(context.env())) {
            if (source.mirror().filter(target.location()::equals).isPresent() && target.mirror().isEmpty()) {
                // moving a shared backend into the very directory that mirrors it: that directory becomes local state
                MirrorMarker.remove(target.location());
            }
            // every name with history, destroyed clusters included: their revisions are part of what is moved
            for (String name : source.names()) {
                ClusterResult result = migrate(source, target, name, new LockRequest(holder, lockTimeout), workspace);
                context.log().info("Migrated '" + result.name() + "': " + result.revisions() + " revision(s), " + result.copied()
                        + " copied, " + result.present() + " already present; digests verified");
                results.add(result);
            }
        } catch (IOException e) {
            throw EngineException.runtime("could not migrate state: " + e.getMessage());
        }
        return new Result(current.isEmpty() ? "local" : redact(current), redact(to), results);
    }

    private ClusterResult migrate(StateStore source, StateStore target, String name, LockRequest lock, Workspace workspace)
            throws IOException {
        List<RevisionInfo> revisions = source.history(name);
        Path untracked = null;
        if (revisions.isEmpty()) {
            // state written before history existed: its current tree, which the source pulls as revision 0
            untracked = workspace.subdir(name + "-current");
            revisions = List.of(source.pull(name, OptionalLong.empty(), untracked));
        }
        int copied = 0;
        int present = 0;
        try (StateLock held = target.lock(name, lock)) {
            Map<Long, RevisionInfo> there = new HashMap<>();
            target.history(name).forEach(revision -> there.put(revision.revision(), revision));
            for (RevisionInfo revision : revisions) {
                RevisionInfo existing = there.get(revision.revision());
                if (existing != null) {
                    if (!Objects.equals(existing.treeSha256(), revision.treeSha256())) {
                        throw EngineException.invalid("the target already has revision " + revision.revision() + " of '" + name
                                + "' with another tree (sha256 " + existing.treeSha256() + ", source " + revision.treeSha256()
                                + "); nothing of this cluster was overwritten");
                    }
                    present++;
                    continue;
                }
                Path pulled = untracked != null ? untracked : workspace.subdir(name + "-" + revision.revision());
                // a destroy's revision has no tree to pull: the import records the removal
                if (!revision.removed() && untracked == null) {
                    source.pull(name, OptionalLong.of(revision.revision()), pulled);
                }
                RevisionInfo imported = target.importRevision(revision, pulled);
                Files2.deleteQuietly(pulled);
                if (!Objects.equals(imported.treeSha256(), revision.treeSha256())) {
                    throw EngineException.runtime("digest mismatch after copying revision " + revision.revision() + " of '" + name
                            + "': source sha256 " + revision.treeSha256() + ", target " + imported.treeSha256());
                }
                copied++;
            }
        }
        long current = revisions.isEmpty() ? 0 : revisions.get(revisions.size() - 1).revision();
        return new ClusterResult(name, revisions.size(), copied, present, current);
    }

    private static String normalized(String backend) {
        String trimmed = backend == null ? "" : backend.trim();
        return trimmed.isEmpty() ? "local" : trimmed;
    }

    /** A password typed into the URL is never printed. */
    static String redact(String backend) {
        return PgConnectionSpec.redactUrl(backend);
    }
}
