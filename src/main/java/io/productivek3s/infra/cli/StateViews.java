package io.productivek3s.infra.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.action.StateChangeAction;
import io.productivek3s.infra.action.StateKeygenAction;
import io.productivek3s.infra.action.StateMigrateAction;
import io.productivek3s.infra.action.StateQueryAction;
import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.util.JsonEnvelope;
import io.productivek3s.infra.util.Printable;
import io.productivek3s.infra.util.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Text and {@code --json} renderings of the state commands' results (schemas in docs/state.md). */
final class StateViews {
    private StateViews() {
    }

    // ---- text

    static String listText(StateQueryAction.Listing listing) {
        if (listing.clusters().isEmpty()) {
            return "No clusters in " + listing.where().location() + "\n";
        }
        boolean locks = listing.clusters().stream().anyMatch(c -> c.lockedBy() != null);
        List<String> header = new ArrayList<>(List.of("NAME", "PROFILE", "VERSION", "LAST ACTION", "RESULT", "WHEN"));
        if (locks) {
            header.add("LOCKED BY");
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        for (ClusterInfo c : listing.clusters()) {
            List<String> row = new ArrayList<>(List.of(text(c.name()), text(c.profile()), text(c.version()), text(c.lastAction()),
                    text(c.result()), text(c.when())));
            if (locks) {
                row.add(c.lockedBy() == null ? "-" : c.lockedBy().describe());
            }
            rows.add(row);
        }
        return table(rows);
    }

    static String showText(StateQueryAction.Shown shown) {
        ClusterInfo c = shown.cluster();
        EngineState state = shown.engineState();
        StringBuilder s = new StringBuilder();
        field(s, "Cluster", c.name());
        if (state != null && state.profile() != null) {
            EngineState.Profile p = state.profile();
            field(s, "Profile", text(p.name()) + " " + text(p.version()) + " (scenario " + text(p.scenario()) + ", engine "
                    + text(p.engine()) + ")");
        } else {
            field(s, "Profile", text(c.profile()) + " " + text(c.version()));
        }
        if (state != null && state.pkg() != null) {
            EngineState.PackageRef pkg = state.pkg();
            field(s, "Package", text(pkg.ref()) + (pkg.path() == null || pkg.path().equals(pkg.ref()) ? "" : " (" + pkg.path() + ")")
                    + ", sha256 " + text(pkg.sha256()));
        }
        if (state != null) {
            EngineState.Override o = state.override();
            field(s, "Override file", o == null ? "not recorded" : o.none() ? "none" : o.path() + " (sha256 " + o.sha256() + ")");
        }
        field(s, "Last action", text(c.lastAction()) + ": " + text(c.result()) + lastExit(state) + " at " + text(c.when()));
        RevisionInfo r = shown.current();
        field(s, "Revision", r == null ? text(c.revision()) : r.revision() + ", written by " + text(r.who()) + " at "
                + text(r.createdAt()) + " (" + text(r.command()) + " of " + text(r.profileName()) + " "
                + text(r.profileVersion()) + ")");
        field(s, "Locked by", c.lockedBy() == null ? "nobody" : c.lockedBy().describe());
        field(s, "State file", shown.clusterFile().toString());
        field(s, "Runtime dir", shown.runtimeDir().toString());
        field(s, "Backend", shown.where().location());
        if (shown.where().mirror() != null) {
            field(s, "Local mirror", shown.where().mirror().toString());
        }
        for (var copy : shown.errored()) {
            field(s, "Uncommitted", copy.path() + " (" + copy.createdAt() + "): state push " + c.name() + " --from " + copy.path());
        }
        return s.toString();
    }

    static String historyText(StateQueryAction.History history) {
        if (history.revisions().isEmpty()) {
            return "No revisions recorded for '" + history.name() + "' yet: its state predates history; the next run that "
                    + "writes it records one\n";
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("REV", "WHEN", "WHO", "COMMAND", "RESULT", "EXIT", "PROFILE", "TREE"));
        for (RevisionInfo r : history.revisions()) {
            rows.add(List.of(String.valueOf(r.revision()), text(r.createdAt()), text(r.who()), text(r.command()),
                    text(r.result()) + (r.removed() ? " (removed)" : ""), text(r.exitCode()),
                    text(r.profileName()) + " " + text(r.profileVersion()),
                    r.treeSha256() == null ? "-" : r.treeSha256().substring(0, Math.min(12, r.treeSha256().length()))));
        }
        return table(rows);
    }

    static String pullText(StateQueryAction.Pulled pulled) {
        return "Pulled revision " + pulled.revision().revision() + " of '" + pulled.revision().name() + "' into " + pulled.output()
                + " (digests verified): " + pulled.clusterFile().getFileName() + ", " + pulled.runtimeDir().getFileName() + "/\n";
    }

    static String rollbackText(StateChangeAction.RolledBack rolled) {
        return "Rolled back state '" + rolled.name() + "' to revision " + rolled.target() + ", written as revision "
                + rolled.created().revision() + " (was " + rolled.previous() + ").\n"
                + "Infrastructure is untouched: run 'profile status --name " + rolled.name() + "' or 'profile apply' to "
                + "reconcile it with this state.\n";
    }

    static String pushText(StateChangeAction.Pushed pushed) {
        if (pushed.created() == null) {
            return "Discarded the uncommitted state of '" + pushed.name() + "' in " + pushed.from() + "\n";
        }
        return "Pushed the state in " + pushed.from() + " to '" + pushed.name() + "' as revision " + pushed.created().revision()
                + (pushed.removedCopy() ? "; removed that errored copy" : "") + "\n";
    }

    static String unlockText(StateChangeAction.Unlocked unlocked) {
        return unlocked.broken().map(h -> "Broke the lock on '" + unlocked.name() + "' held by " + h.describe() + "\n")
                .orElse("State '" + unlocked.name() + "' was not locked; nothing to break\n");
    }

    static String migrateText(StateMigrateAction.Result result) {
        int copied = result.clusters().stream().mapToInt(StateMigrateAction.ClusterResult::copied).sum();
        return "Migrated " + result.clusters().size() + " cluster(s) from " + result.source() + " to " + result.target() + ": "
                + copied + " revision(s) copied, digests verified; the source is unchanged\n";
    }

    static String keygenText(StateKeygenAction.Generated key) {
        return "Wrote a new state key to " + key.file().orElseThrow() + " (key id " + key.keyId() + ", mode 0600); use it with "
                + "PK3S_STATE_ENCRYPTION_KEY_FILE=" + key.file().orElseThrow() + " and keep a copy: state sealed with it "
                + "cannot be read without it\n";
    }

    // ---- JSON

    static ObjectNode listJson(String command, StateQueryAction.Listing listing) {
        ObjectNode root = JsonResults.header(command);
        where(root, listing.where());
        ArrayNode clusters = root.putArray("clusters");
        listing.clusters().forEach(c -> cluster(clusters.addObject(), c));
        return root;
    }

    static ObjectNode showJson(StateQueryAction.Shown shown) {
        ObjectNode root = JsonResults.header("state show");
        where(root, shown.where());
        cluster(root.putObject("cluster"), shown.cluster());
        EngineState state = shown.engineState();
        if (state == null || state.profile() == null) {
            root.putNull("profile");
        } else {
            EngineState.Profile p = state.profile();
            JsonEnvelope.profile(root, p.name(), p.version(), p.scenario(), p.engine());
        }
        if (state == null || state.pkg() == null) {
            root.putNull("package");
        } else {
            JsonEnvelope.packageRef(root, state.pkg().sha256(), state.pkg().ref(), state.pkg().path());
        }
        if (state == null || state.override() == null) {
            root.putNull("override");
        } else {
            ObjectNode o = root.putObject("override");
            o.put("sha256", state.override().sha256());
            o.put("path", state.override().path());
        }
        if (state == null || state.lastAction() == null) {
            root.putNull("last_action");
        } else {
            EngineState.LastAction a = state.lastAction();
            ObjectNode o = root.putObject("last_action");
            o.put("command", a.command());
            o.put("result", a.result() == null ? null : a.result().wire());
            o.put("exit_code", a.exitCode());
            o.put("started_at", Timestamps.iso(a.startedAt()));
            o.put("finished_at", Timestamps.iso(a.finishedAt()));
        }
        if (shown.current() == null) {
            root.putNull("current_revision");
        } else {
            revision(root.putObject("current_revision"), shown.current());
        }
        ObjectNode files = root.putObject("files");
        files.put("cluster_file", shown.clusterFile().toString());
        files.put("runtime_dir", shown.runtimeDir().toString());
        ArrayNode errored = root.putArray("errored");
        for (var copy : shown.errored()) {
            ObjectNode o = errored.addObject();
            o.put("path", copy.path().toString());
            o.put("created_at", Timestamps.iso(copy.createdAt()));
        }
        return root;
    }

    /** {@code location} (the backend, never with a password) and {@code mirror} (its local directory, or null). */
    private static void where(ObjectNode root, StateQueryAction.Where where) {
        root.put("location", where.location());
        root.put("mirror", where.mirror() == null ? null : where.mirror().toString());
    }

    static ObjectNode historyJson(StateQueryAction.History history) {
        ObjectNode root = JsonResults.header("state history");
        root.put("name", history.name());
        where(root, history.where());
        ArrayNode revisions = root.putArray("revisions");
        history.revisions().forEach(r -> revision(revisions.addObject(), r));
        return root;
    }

    static ObjectNode pullJson(StateQueryAction.Pulled pulled) {
        ObjectNode root = JsonResults.header("state pull");
        root.put("name", pulled.revision().name());
        revision(root.putObject("revision"), pulled.revision());
        root.put("output", pulled.output().toString());
        root.put("cluster_file", pulled.clusterFile().toString());
        root.put("runtime_dir", pulled.runtimeDir().toString());
        return root;
    }

    static ObjectNode rollbackJson(StateChangeAction.RolledBack rolled) {
        ObjectNode root = JsonResults.header("state rollback");
        root.put("name", rolled.name());
        root.put("target_revision", rolled.target());
        root.put("previous_revision", rolled.previous());
        revision(root.putObject("revision"), rolled.created());
        root.put("infrastructure_changed", false);
        return root;
    }

    static ObjectNode pushJson(StateChangeAction.Pushed pushed) {
        ObjectNode root = JsonResults.header("state push");
        root.put("name", pushed.name());
        root.put("from", pushed.from().toString());
        root.put("discarded", pushed.created() == null);
        if (pushed.created() == null) {
            root.putNull("revision");
        } else {
            revision(root.putObject("revision"), pushed.created());
        }
        root.put("removed_copy", pushed.removedCopy());
        return root;
    }

    static ObjectNode unlockJson(StateChangeAction.Unlocked unlocked) {
        ObjectNode root = JsonResults.header("state unlock");
        root.put("name", unlocked.name());
        root.put("was_locked", unlocked.broken().isPresent());
        if (unlocked.broken().isPresent()) {
            holder(root.putObject("broken"), unlocked.broken().get());
        } else {
            root.putNull("broken");
        }
        return root;
    }

    static ObjectNode keygenJson(StateKeygenAction.Generated key) {
        ObjectNode root = JsonResults.header("state keygen");
        root.put("output", key.file().orElseThrow().toString());
        root.put("key_id", key.keyId());
        return root;
    }

    static ObjectNode migrateJson(StateMigrateAction.Result result) {
        ObjectNode root = JsonResults.header("state migrate");
        root.put("source", result.source());
        root.put("target", result.target());
        ArrayNode clusters = root.putArray("clusters");
        for (StateMigrateAction.ClusterResult c : result.clusters()) {
            ObjectNode o = clusters.addObject();
            o.put("name", c.name());
            o.put("revisions", c.revisions());
            o.put("copied", c.copied());
            o.put("already_present", c.present());
            o.put("current_revision", c.current());
        }
        return root;
    }

    private static void cluster(ObjectNode o, ClusterInfo c) {
        o.put("name", c.name());
        // the index records the package's name and version only; scenario and engine are in state show
        JsonEnvelope.profile(o, c.profile(), c.version(), null, null);
        o.put("last_action", c.lastAction());
        o.put("result", c.result());
        o.put("when", Timestamps.iso(c.when()));
        o.put("revision", c.revision());
        if (c.lockedBy() == null) {
            o.putNull("locked_by");
        } else {
            holder(o.putObject("locked_by"), c.lockedBy());
        }
    }

    private static void revision(ObjectNode o, RevisionInfo r) {
        o.put("revision", r.revision());
        o.put("created_at", Timestamps.iso(r.createdAt()));
        o.put("who", r.who());
        o.put("command", r.command());
        o.put("result", r.result());
        o.put("exit_code", r.exitCode());
        // a revision records the package's name, version and digest; the rest is in its engine-state.json
        JsonEnvelope.profile(o, r.profileName(), r.profileVersion(), null, null);
        JsonEnvelope.packageRef(o, r.packageSha256(), null, null);
        o.put("tree_sha256", r.treeSha256());
        o.put("files", r.files());
        o.put("bytes", r.bytes());
        o.put("removed", r.removed());
    }

    private static void holder(ObjectNode o, LockHolder h) {
        o.put("user", h.user());
        o.put("host", h.host());
        o.put("pid", h.pid());
        o.put("command", h.command());
        o.put("started_at", Timestamps.iso(h.startedAt()));
    }

    private static String lastExit(EngineState state) {
        return state == null || state.lastAction() == null || state.lastAction().exitCode() == null ? ""
                : " (exit " + state.lastAction().exitCode() + ")";
    }

    private static void field(StringBuilder s, String label, String value) {
        // engine-state.json of a shared backend is anyone's data: nothing in it reaches the terminal unprintable
        s.append(String.format("%-14s %s", label + ":", Printable.clean(value))).append('\n');
    }

    private static String text(Object value) {
        if (value == null) {
            return "-";
        }
        return value instanceof Instant instant ? instant.toString() : Printable.clean(String.valueOf(value));
    }

    /** Left-aligned columns, two spaces apart, no trailing blanks. */
    private static String table(List<List<String>> rows) {
        int columns = rows.get(0).size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder s = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(i == columns - 1 ? row.get(i) : String.format("%-" + widths[i] + "s  ", row.get(i)));
            }
            s.append(line.toString().stripTrailing()).append('\n');
        }
        return s.toString();
    }
}
