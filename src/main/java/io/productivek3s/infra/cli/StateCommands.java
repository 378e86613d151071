package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.StateChangeAction;
import io.productivek3s.infra.action.StateKeygenAction;
import io.productivek3s.infra.action.StateMigrateAction;
import io.productivek3s.infra.action.StateQueryAction;
import io.productivek3s.infra.action.StateRekeyAction;
import io.productivek3s.infra.action.StateStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Handlers of {@code state list|show|history|pull|rollback|push|unlock|migrate|rekey|keygen} and {@code profile list}: arguments
 * checked by each command's options record (names exit 4, missing ones exit 3, malformed numbers and durations exit
 * 2), the work done by the state actions, the result printed as text on stdout or, with {@code --json}, as a
 * document (docs/state.md).
 */
final class StateCommands {
    private final Call call;
    private final StateStores stores;

    StateCommands(Call call) {
        this(call, StateStores.of(call.context()));
    }

    StateCommands(Call call, StateStores stores) {
        this.call = call;
        this.stores = stores;
    }

    /** {@code state show|history <name>}. */
    record Named(String name) {
        static Named parse(String command, Invocation in) {
            return new Named(ClusterNames.positional(in, command));
        }
    }

    /** {@code state pull <name> [--revision <n>] --output <dir>}. */
    record PullOptions(String name, OptionalLong revision, String output) {
        static PullOptions parse(Invocation in) {
            String name = ClusterNames.positional(in, "state pull");
            String revision = in.value(Flag.REVISION);
            return new PullOptions(name, revision == null ? OptionalLong.empty() : OptionalLong.of(parseRevision(revision)),
                    in.value(Flag.OUTPUT_DIR));
        }
    }

    /** {@code state rollback <name> --revision <n>}. */
    record RollbackOptions(String name, long revision, Duration lockTimeout) {
        static RollbackOptions parse(Invocation in) {
            String name = ClusterNames.positional(in, "state rollback");
            if (in.value(Flag.REVISION) == null) {
                throw EngineException.missing("the 'state rollback' command requires --revision <n> ('state history " + name
                        + "' lists them)");
            }
            long revision = parseRevision(in.value(Flag.REVISION));
            return new RollbackOptions(name, revision, Durations.lockTimeout(in.value(Flag.LOCK_TIMEOUT)));
        }
    }

    /** {@code state push <name> --from <dir> [--discard]}; a discard takes no lock, so its wait is not read. */
    record PushOptions(String name, String from, boolean discard, Duration lockTimeout) {
        static PushOptions parse(Invocation in) {
            String name = ClusterNames.positional(in, "state push");
            if (in.value(Flag.FROM) == null) {
                throw EngineException.missing("the 'state push' command requires --from <dir> (the failed run's ERROR names it;"
                        + " 'state show " + name + "' lists kept copies)");
            }
            boolean discard = in.has(Flag.DISCARD);
            return new PushOptions(name, in.value(Flag.FROM), discard,
                    discard ? Duration.ZERO : Durations.lockTimeout(in.value(Flag.LOCK_TIMEOUT)));
        }
    }

    /** {@code state unlock <name> --force}: without --force, nothing is broken (exit 2). */
    record UnlockOptions(String name) {
        static UnlockOptions parse(Invocation in) {
            String name = ClusterNames.positional(in, "state unlock");
            if (!in.has(Flag.FORCE_UNLOCK)) {
                throw EngineException.usage("state unlock breaks the lock whoever holds it; if no run is still working on '"
                        + name + "', run: state unlock " + name + " --force");
            }
            return new UnlockOptions(name);
        }
    }

    /**
     * {@code state migrate --to <backend>}, or {@code --encrypt|--decrypt} ({@code inPlace}: the current backend
     * rewritten in place). One of the three, else exit 2 (two of them) or 3 (none).
     */
    record MigrateOptions(String to, Optional<StateRekeyAction.Mode> inPlace, Duration lockTimeout) {
        static MigrateOptions parse(Invocation in) {
            boolean encrypt = in.has(Flag.ENCRYPT);
            boolean decrypt = in.has(Flag.DECRYPT);
            String to = in.value(Flag.TO);
            if (encrypt && decrypt) {
                throw EngineException.usage("state migrate --encrypt and --decrypt contradict each other: give one of them");
            }
            if ((encrypt || decrypt) && to != null) {
                throw EngineException.usage("state migrate --to copies state to another backend and " + (encrypt ? "--encrypt"
                        : "--decrypt") + " rewrites the current one in place: give one of them (to encrypt the copy, "
                        + "migrate first, then run state migrate --encrypt against the new backend)");
            }
            if (!encrypt && !decrypt && (to == null || to.isBlank())) {
                throw EngineException.missing("the 'state migrate' command requires --to <backend>, --encrypt or --decrypt");
            }
            Optional<StateRekeyAction.Mode> mode = encrypt ? Optional.of(StateRekeyAction.Mode.ENCRYPT)
                    : decrypt ? Optional.of(StateRekeyAction.Mode.DECRYPT) : Optional.empty();
            return new MigrateOptions(to, mode, Durations.lockTimeout(in.value(Flag.LOCK_TIMEOUT)));
        }
    }

    /** {@code state rekey <name>|--all}: empty {@code name} means every cluster. */
    record RekeyOptions(Optional<String> name, Duration lockTimeout) {
        static RekeyOptions parse(Invocation in) {
            String word = in.word(2);
            boolean all = in.has(Flag.ALL_CLUSTERS);
            boolean named = !word.isEmpty() && !word.startsWith("--");
            if (all && named) {
                throw EngineException.usage("state rekey takes a cluster name or --all, not both: state rekey "
                        + Durations.oneLine(word) + ", or state rekey --all");
            }
            if (!all && !named) {
                throw EngineException.missing("the 'state rekey' command requires a cluster name or --all: state rekey "
                        + "<name>|--all");
            }
            return new RekeyOptions(all ? Optional.empty() : Optional.of(ClusterNames.require("cluster name", word)),
                    Durations.lockTimeout(in.value(Flag.LOCK_TIMEOUT)));
        }
    }

    /** {@code state list} and {@code profile list}: the command words name the document. */
    int list(String command) {
        return answer(query().list(), listing -> StateDocuments.Listing.of(command, listing), StateViews::listText);
    }

    /** Cluster names for completion: a tab press never fails, so any problem means no names. */
    List<String> names() {
        try {
            return query().list().clusters().stream().map(c -> c.name()).toList();
        } catch (RuntimeException unavailable) {
            return List.of();
        }
    }

    /** A cluster's revision numbers for completing {@code --revision}, as 'state history' lists them; any problem means none. */
    List<String> revisions(String name) {
        try {
            return query().history(name).revisions().stream()
                    .map(revision -> String.valueOf(revision.revision())).toList();
        } catch (RuntimeException unavailable) {
            return List.of();
        }
    }

    int show(Named options) {
        return answer(query().show(options.name()), StateDocuments.Show::of, StateViews::showText);
    }

    int history(Named options) {
        return answer(query().history(options.name()), StateDocuments.History::of, StateViews::historyText);
    }

    int pull(PullOptions options) {
        return answer(query().pull(options.name(), options.revision(), options.output()), StateDocuments.Pull::of,
                StateViews::pullText);
    }

    int rollback(RollbackOptions options) {
        return answer(change().rollback(options.name(), options.revision(), options.lockTimeout()),
                StateDocuments.Rollback::of, StateViews::rollbackText);
    }

    int push(PushOptions options) {
        Path from = call.context().paths().resolve(options.from());
        StateChangeAction action = change();
        StateChangeAction.Pushed pushed = options.discard() ? action.discard(options.name(), from)
                : action.push(options.name(), from, options.lockTimeout());
        return answer(pushed, StateDocuments.Push::of, StateViews::pushText);
    }

    int unlock(UnlockOptions options) {
        return answer(change().unlock(options.name()), StateDocuments.Unlock::of, StateViews::unlockText);
    }

    int migrate(MigrateOptions options) {
        if (options.inPlace().isPresent()) {
            return rewrite(options.inPlace().get(), Optional.empty(), options.lockTimeout());
        }
        return answer(new StateMigrateAction(call.context(), stores).run(options.to(), options.lockTimeout()),
                StateDocuments.Migrate::of, StateViews::migrateText);
    }

    int rekey(RekeyOptions options) {
        return rewrite(StateRekeyAction.Mode.REKEY, options.name(), options.lockTimeout());
    }

    private int rewrite(StateRekeyAction.Mode mode, Optional<String> name, Duration lockTimeout) {
        return answer(new StateRekeyAction(call.context(), stores).run(mode, name, lockTimeout), StateDocuments.Rekey::of,
                StateViews::rekeyText);
    }

    private StateQueryAction query() {
        return new StateQueryAction(call.context(), stores);
    }

    private StateChangeAction change() {
        return new StateChangeAction(call.context(), stores);
    }

    /** Every state command answers the same way: its result as a document with {@code --json}, else as text; exit 0. */
    private <R> int answer(R result, Function<R, Envelope> document, Function<R, String> text) {
        call.result(() -> document.apply(result), () -> text.apply(result));
        return 0;
    }

    /** {@code state keygen [--output FILE]}. */
    record KeygenOptions(String output) {
        static KeygenOptions parse(Invocation in) {
            if (in.json() && in.value(Flag.KEY_OUTPUT) == null) {
                throw EngineException.usage("state keygen --json needs --output <file>: a key is never put in a JSON document");
            }
            return new KeygenOptions(in.value(Flag.KEY_OUTPUT));
        }
    }

    /** {@code state keygen}: the key goes to a new 0600 file or to stdout, never into a message or a JSON document. */
    int keygen(KeygenOptions options) {
        StateKeygenAction.Generated key = new StateKeygenAction(call.context()).run(options.output());
        if (key.printed().isPresent()) {
            var log = call.context().log();
            log.setEventsMode(true); // stdout holds the key alone ('state keygen > file'); the note goes to stderr
            call.print(key.printed().get().base64() + "\n");
            log.info("New state key " + key.keyId() + " written to stdout: keep it in a file only you can read "
                    + "(chmod 600) and name that file in PK3S_STATE_ENCRYPTION_KEY_FILE");
            return 0;
        }
        call.result(StateDocuments.Keygen.of(key), () -> StateViews.keygenText(key));
        return 0;
    }

    /** {@code --revision}: a positive whole number, else exit 2. */
    private static long parseRevision(String given) {
        String value = given.trim();
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
}
