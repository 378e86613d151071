package io.productivek3s.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.StateChangeAction;
import io.productivek3s.infra.action.StateKeygenAction;
import io.productivek3s.infra.action.StateMigrateAction;
import io.productivek3s.infra.action.StateQueryAction;
import io.productivek3s.infra.action.StateStores;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.util.Json;
import java.io.PrintStream;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Handlers of {@code state list|show|history|pull|rollback|push|unlock|migrate} and {@code profile list}: arguments
 * checked here (names exit 4, missing ones exit 3, malformed numbers and durations exit 2), the work done by the
 * state actions, the result printed as text on stdout or, with {@code --json}, as a document (docs/state.md).
 */
final class StateCommands {
    private final EngineContext context;
    private final Invocation invocation;
    private final StateStores stores;

    StateCommands(EngineContext context, Invocation invocation) {
        this(context, invocation, context == null ? null : StateStores.of(context));
    }

    StateCommands(EngineContext context, Invocation invocation, StateStores stores) {
        this.context = context;
        this.invocation = invocation;
        this.stores = stores;
    }

    int list(String command) {
        StateQueryAction.Listing listing = new StateQueryAction(context, stores).list();
        return print(() -> StateViews.listJson(command, listing), () -> StateViews.listText(listing));
    }

    /** Cluster names for completion: a tab press never fails, so any problem means no names. */
    java.util.List<String> names() {
        try {
            return new StateQueryAction(context, stores).list().clusters().stream().map(c -> c.name()).toList();
        } catch (RuntimeException unavailable) {
            return java.util.List.of();
        }
    }

    /** A cluster's revision numbers for completing {@code --revision}, as 'state history' lists them; any problem means none. */
    java.util.List<String> revisions(String name) {
        try {
            return new StateQueryAction(context, stores).history(name).revisions().stream()
                    .map(revision -> String.valueOf(revision.revision())).toList();
        } catch (RuntimeException unavailable) {
            return java.util.List.of();
        }
    }

    int show() {
        String name = ClusterNames.positional(invocation, "state show");
        StateQueryAction.Shown shown = new StateQueryAction(context, stores).show(name);
        return print(() -> StateViews.showJson(shown), () -> StateViews.showText(shown));
    }

    int history() {
        String name = ClusterNames.positional(invocation, "state history");
        StateQueryAction.History history = new StateQueryAction(context, stores).history(name);
        return print(() -> StateViews.historyJson(history), () -> StateViews.historyText(history));
    }

    int pull() {
        String name = ClusterNames.positional(invocation, "state pull");
        OptionalLong revision = invocation.revision() == null ? OptionalLong.empty() : OptionalLong.of(revision());
        StateQueryAction.Pulled pulled = new StateQueryAction(context, stores).pull(name, revision, invocation.output());
        return print(() -> StateViews.pullJson(pulled), () -> StateViews.pullText(pulled));
    }

    int rollback() {
        String name = ClusterNames.positional(invocation, "state rollback");
        if (invocation.revision() == null) {
            throw EngineException.missing("the 'state rollback' command requires --revision <n> ('state history " + name
                    + "' lists them)");
        }
        long revision = revision();
        StateChangeAction.RolledBack rolled = new StateChangeAction(context, stores)
                .rollback(name, revision, Durations.lockTimeout(invocation.lockTimeout()));
        return print(() -> StateViews.rollbackJson(rolled), () -> StateViews.rollbackText(rolled));
    }

    int push() {
        String name = ClusterNames.positional(invocation, "state push");
        if (invocation.from() == null) {
            throw EngineException.missing("the 'state push' command requires --from <dir> (the failed run's ERROR names it;"
                    + " 'state show " + name + "' lists kept copies)");
        }
        java.nio.file.Path from = context.paths().resolve(invocation.from());
        StateChangeAction action = new StateChangeAction(context, stores);
        StateChangeAction.Pushed pushed = invocation.discard() ? action.discard(name, from)
                : action.push(name, from, Durations.lockTimeout(invocation.lockTimeout()));
        return print(() -> StateViews.pushJson(pushed), () -> StateViews.pushText(pushed));
    }

    int unlock() {
        String name = ClusterNames.positional(invocation, "state unlock");
        if (!invocation.force()) {
            throw EngineException.usage("state unlock breaks the lock whoever holds it; if no run is still working on '"
                    + name + "', run: state unlock " + name + " --force");
        }
        StateChangeAction.Unlocked unlocked = new StateChangeAction(context, stores).unlock(name);
        return print(() -> StateViews.unlockJson(unlocked), () -> StateViews.unlockText(unlocked));
    }

    int migrate() {
        var timeout = Durations.lockTimeout(invocation.lockTimeout());
        StateMigrateAction.Result result = new StateMigrateAction(context, stores).run(invocation.to(), timeout);
        return print(() -> StateViews.migrateJson(result), () -> StateViews.migrateText(result));
    }

    /** {@code state keygen}: the key goes to a new 0600 file or to stdout, never into a message or a JSON document. */
    int keygen() {
        if (invocation.json() && invocation.output() == null) {
            throw EngineException.usage("state keygen --json needs --output <file>: a key is never put in a JSON document");
        }
        StateKeygenAction.Generated key = new StateKeygenAction(context).run(invocation.output());
        if (key.printed().isPresent()) {
            context.log().setEventsMode(true); // stdout holds the key alone ('state keygen > file'); the note goes to stderr
            PrintStream out = context.log().stdout();
            out.println(key.printed().get().base64());
            out.flush();
            context.log().info("New state key " + key.keyId() + " written to stdout: keep it in a file only you can read "
                    + "(chmod 600) and name that file in PK3S_STATE_ENCRYPTION_KEY_FILE");
            return 0;
        }
        return print(() -> StateViews.keygenJson(key), () -> StateViews.keygenText(key));
    }

    /** {@code --revision}: a positive whole number, else exit 2. */
    private long revision() {
        String value = invocation.revision().trim();
        try {
            long revision = Long.parseLong(value);
            if (revision > 0) {
                return revision;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw EngineException.usage("invalid --revision '" + Durations.oneLine(value) + "': a revision number such as 3 "
                + "('state history <name>' lists them)");
    }

    /** The document with --json (not with --events ndjson, whose stdout belongs to the events), else the text. */
    private int print(Supplier<? extends JsonNode> json, Supplier<String> text) {
        PrintStream out = context.log().stdout();
        if (invocation.json()) {
            if (!invocation.eventsNdjson()) {
                out.print(Json.pretty(json.get()));
            }
        } else {
            out = context.log().progressStream();
            out.print(text.get());
        }
        out.flush();
        return 0;
    }
}
