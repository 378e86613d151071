package io.productivek3s.infra.cli;

import io.productivek3s.infra.action.StateChangeAction;
import io.productivek3s.infra.action.StateKeygenAction;
import io.productivek3s.infra.action.StateMigrateAction;
import io.productivek3s.infra.action.StateRekeyAction;
import io.productivek3s.infra.action.StateQueryAction;
import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.util.Printable;
import io.productivek3s.infra.util.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Text renderings of the state commands' results; their {@code --json} documents are {@link StateDocuments}. */
final class StateViews {
    private StateViews() {
    }

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

    /** One line: what was rewritten where, and what reads it now. */
    static String rekeyText(StateRekeyAction.Result result) {
        String done = switch (result.mode()) {
            case REKEY -> "Rekeyed";
            case ENCRYPT -> "Encrypted";
            case DECRYPT -> "Decrypted";
        };
        String now = result.keyVariable() == null
                ? "every kept revision is now stored in plain text and needs no key"
                : "every kept revision is now sealed with " + result.keyId().map(id -> "key " + id + " (" + result.keyVariable() + ")")
                        .orElse("the key of " + result.keyVariable()) + "; older keys are no longer needed to read it";
        return done + " " + result.clusters().size() + " cluster(s), " + result.revisions() + " revision(s) in "
                + result.location() + ": " + now + "\n";
    }

    static String keygenText(StateKeygenAction.Generated key) {
        return "Wrote a new state key to " + key.file().orElseThrow() + " (key id " + key.keyId() + ", mode 0600); use it with "
                + "PK3S_STATE_ENCRYPTION_KEY_FILE=" + key.file().orElseThrow() + " and keep a copy: state sealed with it "
                + "cannot be read without it\n";
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
        return value instanceof Instant instant ? Timestamps.text(instant) : Printable.clean(String.valueOf(value));
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
        // padded by hand, not String.format: a list prints a row per cluster (docs/performance.md "State at scale")
        StringBuilder s = new StringBuilder();
        StringBuilder line = new StringBuilder();
        for (List<String> row : rows) {
            line.setLength(0);
            for (int i = 0; i < columns; i++) {
                String cell = row.get(i);
                line.append(cell);
                if (i < columns - 1) {
                    line.append(" ".repeat(widths[i] - cell.length() + 2));
                }
            }
            s.append(line.toString().stripTrailing()).append('\n');
        }
        return s.toString();
    }
}
