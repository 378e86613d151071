package io.productivek3s.infra.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.productivek3s.infra.action.StateChangeAction;
import io.productivek3s.infra.action.StateKeygenAction;
import io.productivek3s.infra.action.StateMigrateAction;
import io.productivek3s.infra.action.StateQueryAction;
import io.productivek3s.infra.action.StateRekeyAction;
import io.productivek3s.infra.cli.Envelope.Package;
import io.productivek3s.infra.cli.Envelope.Profile;
import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.util.Timestamps;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code --json} documents of the state commands (schemas in docs/state.md), as records after the
 * {@link Envelope}. {@code location} is the backend (never with a password), {@code mirror} its local directory or null.
 */
final class StateDocuments {
    private StateDocuments() {
    }

    /** {@code state-list}: {@code state list} and {@code profile list}. */
    record Listing(String location, String mirror, List<Cluster> clusters) {
        static Envelope of(String command, StateQueryAction.Listing listing) {
            return Envelope.ok(command, new Listing(listing.where().location(), mirrorOf(listing.where()),
                    listing.clusters().stream().map(Cluster::of).toList()));
        }
    }

    /** {@code state-show}: what one cluster's state records and where its files are. */
    record Show(String location, String mirror, Cluster cluster, Profile profile, @JsonProperty("package") Package pkg,
            Override override, LastAction lastAction, Revision currentRevision, Files files, List<Errored> errored) {
        record Override(String sha256, String path) {
        }

        record LastAction(String command, String result, Integer exitCode, String startedAt, String finishedAt) {
        }

        record Files(String clusterFile, String runtimeDir) {
        }

        record Errored(String path, String createdAt) {
        }

        static Envelope of(StateQueryAction.Shown shown) {
            EngineState state = shown.engineState();
            EngineState.Profile p = state == null ? null : state.profile();
            EngineState.PackageRef pkg = state == null ? null : state.pkg();
            EngineState.Override o = state == null ? null : state.override();
            EngineState.LastAction a = state == null ? null : state.lastAction();
            return Envelope.ok("state show", new Show(shown.where().location(), mirrorOf(shown.where()),
                    Cluster.of(shown.cluster()),
                    p == null ? null : new Profile(p.name(), p.version(), p.scenario(), p.engine()),
                    pkg == null ? null : new Package(pkg.sha256(), pkg.ref(), pkg.path()),
                    o == null ? null : new Override(o.sha256(), o.path()),
                    a == null ? null : new LastAction(a.command(), a.result() == null ? null : a.result().wire(), a.exitCode(),
                            Timestamps.iso(a.startedAt()), Timestamps.iso(a.finishedAt())),
                    shown.current() == null ? null : Revision.of(shown.current()),
                    new Files(shown.clusterFile().toString(), shown.runtimeDir().toString()),
                    shown.errored().stream().map(c -> new Errored(c.path().toString(), Timestamps.iso(c.createdAt()))).toList()));
        }
    }

    /** {@code state-history}: a cluster's revisions, oldest first. */
    record History(String name, String location, String mirror, List<Revision> revisions) {
        static Envelope of(StateQueryAction.History history) {
            return Envelope.ok("state history", new History(history.name(), history.where().location(), mirrorOf(history.where()),
                    history.revisions().stream().map(Revision::of).toList()));
        }
    }

    /** {@code state-pull}. */
    record Pull(String name, Revision revision, String output, String clusterFile, String runtimeDir) {
        static Envelope of(StateQueryAction.Pulled pulled) {
            return Envelope.ok("state pull", new Pull(pulled.revision().name(), Revision.of(pulled.revision()),
                    pulled.output().toString(), pulled.clusterFile().toString(), pulled.runtimeDir().toString()));
        }
    }

    /** {@code state-rollback}: only the state changed, never the infrastructure. */
    record Rollback(String name, long targetRevision, long previousRevision, Revision revision, boolean infrastructureChanged) {
        static Envelope of(StateChangeAction.RolledBack rolled) {
            return Envelope.ok("state rollback", new Rollback(rolled.name(), rolled.target(), rolled.previous(),
                    Revision.of(rolled.created()), false));
        }
    }

    /** {@code state-push}: {@code revision} is null when the copy was discarded. */
    record Push(String name, String from, boolean discarded, Revision revision, boolean removedCopy) {
        static Envelope of(StateChangeAction.Pushed pushed) {
            return Envelope.ok("state push", new Push(pushed.name(), pushed.from().toString(), pushed.created() == null,
                    pushed.created() == null ? null : Revision.of(pushed.created()), pushed.removedCopy()));
        }
    }

    /** {@code state-unlock}: whose lock was broken, or null. */
    /** {@code state keygen --output FILE --json}: where the key went and its public id, never the key. */
    record Keygen(String output, String keyId) {
        static Envelope of(StateKeygenAction.Generated key) {
            return Envelope.ok("state keygen", new Keygen(key.file().orElseThrow().toString(), key.keyId()));
        }
    }

    record Unlock(String name, boolean wasLocked, Holder broken) {
        static Envelope of(StateChangeAction.Unlocked unlocked) {
            return Envelope.ok("state unlock", new Unlock(unlocked.name(), unlocked.broken().isPresent(),
                    unlocked.broken().map(Holder::of).orElse(null)));
        }
    }

    /** {@code state-migrate}. */
    record Migrate(String source, String target, List<Copied> clusters) {
        record Copied(String name, int revisions, int copied, int alreadyPresent, long currentRevision) {
        }

        static Envelope of(StateMigrateAction.Result result) {
            return Envelope.ok("state migrate", new Migrate(result.source(), result.target(), result.clusters().stream()
                    .map(c -> new Copied(c.name(), c.revisions(), c.copied(), c.present(), c.current())).toList()));
        }
    }

    /**
     * {@code state-rekey}: {@code state rekey}, and {@code state migrate --encrypt|--decrypt} (command
     * {@code state migrate}). {@code sealedWith}: the variable naming the key everything is now sealed with, null
     * when plain; {@code keyId}: that key's id, null with a passphrase (as {@code doctor}) or when plain.
     */
    record Rekey(String location, String mode, String sealedWith, String keyId, List<Rewritten> clusters) {
        record Rewritten(String name, int revisions, long latestRevision) {
        }

        static Envelope of(StateRekeyAction.Result result) {
            return Envelope.ok(result.mode().document(), new Rekey(result.location(),
                    result.mode().name().toLowerCase(java.util.Locale.ROOT), result.keyVariable(),
                    result.keyId().orElse(null), result.clusters().stream()
                            .map(c -> new Rewritten(c.name(), c.revisions(), c.latest())).toList()));
        }
    }

    /** A cluster as the index knows it: the package's name and version only (scenario and engine are in state show). */
    record Cluster(String name, Profile profile, String lastAction, String result, String when, long revision, Holder lockedBy) {
        static Cluster of(ClusterInfo c) {
            return new Cluster(c.name(), new Profile(c.profile(), c.version(), null, null), c.lastAction(), c.result(),
                    Timestamps.iso(c.when()), c.revision(), c.lockedBy() == null ? null : Holder.of(c.lockedBy()));
        }
    }

    /** A revision records the package's name, version and digest; the rest is in its engine-state.json. */
    record Revision(long revision, String createdAt, String who, String command, String result, Integer exitCode,
            Profile profile, @JsonProperty("package") Package pkg, String treeSha256, long files, long bytes, boolean removed) {
        static Revision of(RevisionInfo r) {
            return new Revision(r.revision(), Timestamps.iso(r.createdAt()), r.who(), r.command(), r.result(), r.exitCode(),
                    new Profile(r.profileName(), r.profileVersion(), null, null), new Package(r.packageSha256(), null, null),
                    r.treeSha256(), r.files(), r.bytes(), r.removed());
        }
    }

    record Holder(String user, String host, long pid, String command, String startedAt) {
        static Holder of(LockHolder h) {
            return new Holder(h.user(), h.host(), h.pid(), h.command(), Timestamps.iso(h.startedAt()));
        }
    }

    private static String mirrorOf(StateQueryAction.Where where) {
        Path mirror = where.mirror();
        return mirror == null ? null : mirror.toString();
    }
}
