package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.util.DidYouMean;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the {@link CommandTable} row the positionals name (docs/contract/invocation.md#order-of-checks) after the package-only surface gate (docs/contract/invocation.md#surfaces),
 * answers help, refuses unknown flags where guessing could act on the wrong thing, and runs the row's
 * {@link Command}.
 */
final class Dispatcher {
    private final EngineContext context;
    private final Invocation invocation;

    Dispatcher(EngineContext context, Invocation invocation) {
        this.context = context;
        this.invocation = invocation;
    }

    int dispatch() {
        String command = invocation.command();
        if (invocation.positionals().isEmpty()) {
            Call call = new Call(context, invocation);
            return invocation.versionFlag() ? InfoCommands.version(call, invocation) : InfoCommands.help(call, invocation);
        }
        String surface = context.release().surfaceValue();
        if (!surface.isEmpty() && !surface.equals("package-only") && !surface.equals("source-plus-package")) {
            context.log().warn("unknown PK3S_INFRA_RUNTIME_SURFACE '" + surface + "'; using source-plus-package");
        }
        if (command.equals("-h") || command.equals("--help") || command.equals("help")) {
            List<String> topic = invocation.positionals().subList(1, invocation.positionals().size());
            return topic.isEmpty() ? InfoCommands.help(new Call(context, invocation), invocation) : commandHelp(topic);
        }
        checkSurface(command);
        Optional<CommandSpec> spec = CommandTable.find(invocation.positionals());
        if (wantsHelp(spec)) {
            return commandHelp(helpTopic());
        }
        if (spec.isEmpty()) {
            warnUnknownFlags(Optional.empty());
            throw unsupported(invocation.positionals());
        }
        // before the handler: a refused flag must cost no lock, no extraction and no telemetry
        warnUnknownFlags(spec);
        return spec.get().command().run(new Call(context, invocation));
    }

    private boolean wantsHelp(Optional<CommandSpec> spec) {
        if (spec.isPresent() && CommandTable.forwardsArguments(spec.get().words().get(0))) {
            String next = invocation.word(1);
            return next.equals("--help") || next.equals("-h");
        }
        return invocation.wantsHelp();
    }

    /** The command words before --help/-h. */
    private List<String> helpTopic() {
        List<String> words = new ArrayList<>();
        for (String word : invocation.positionals()) {
            if (word.equals("--help") || word.equals("-h")) {
                break;
            }
            words.add(word);
        }
        return words;
    }

    /** {@code help <words>} / {@code <words> --help}: one command's help, or the list under a group word. */
    private int commandHelp(List<String> topic) {
        checkSurface(topic.get(0));
        PrintStream out = context.log().stdout();
        Optional<CommandSpec> spec = CommandTable.find(topic).filter(found -> found.words().size() == topic.size()
                || CommandTable.forwardsArguments(found.words().get(0)));
        if (spec.isPresent()) {
            out.print(HelpText.command(HelpText.program(context.env()), spec.get()));
        } else {
            List<CommandSpec> under = visible(CommandTable.under(topic));
            if (under.isEmpty()) {
                throw unsupported(topic);
            }
            out.print(HelpText.group(HelpText.program(context.env()), topic, under));
        }
        out.flush();
        return 0;
    }

    private List<CommandSpec> visible(List<CommandSpec> specs) {
        return specs.stream().filter(spec -> !context.release().packageOnly() || spec.surface() != CommandSpec.Surface.SOURCE).toList();
    }

    /** The contract's message for the first word that matches no command, with a did-you-mean when one is close. */
    private EngineException unsupported(List<String> words) {
        for (int depth = Math.min(words.size(), 2); depth >= 1; depth--) {
            List<String> prefix = words.subList(0, depth);
            List<CommandSpec> under = visible(CommandTable.under(prefix));
            if (!under.isEmpty()) {
                String typo = depth < words.size() ? words.get(depth) : "";
                int position = depth;
                List<String> candidates = under.stream().map(spec -> spec.words().get(position)).distinct().toList();
                String label = String.join(" ", prefix);
                if (label.equals("dev") && !typo.equals("profile")) {
                    return EngineException.usage("unsupported dev command: " + typo + hint(typo, candidates));
                }
                return EngineException.usage("unsupported " + label + " command: " + typo + hint(typo, candidates));
            }
        }
        List<String> commands = visible(CommandTable.all()).stream().map(spec -> spec.words().get(0)).distinct().toList();
        String typo = words.get(0);
        return EngineException.usage("unsupported command: " + typo + hint(typo, commands));
    }

    private static String hint(String typo, List<String> candidates) {
        return DidYouMean.closest(typo, candidates).map(word -> " (did you mean '" + word + "'?)").orElse("");
    }

    /**
     * docs/contract/invocation.md#parsing-rules keeps unknown dash tokens as positionals and ignores them; say so, since a typo such as --evn-file
     * otherwise vanishes. Refused (exit 2, before anything runs) when ignoring it could act on the wrong thing: a near
     * miss of a known flag (the user meant that flag), or any unknown flag on a command that changes state.
     */
    private void warnUnknownFlags(Optional<CommandSpec> spec) {
        if (spec.isPresent() && CommandTable.forwardsArguments(spec.get().words().get(0))) {
            return;
        }
        if (invocation.unknownFlags().isEmpty()) {
            return;
        }
        List<String> known = CommandTable.flags().stream().map(Flag::name).toList();
        for (String flag : invocation.unknownFlags()) {
            Optional<String> meant = DidYouMean.closest(flag, known);
            if (meant.isPresent()) {
                throw EngineException.usage("unknown flag " + flag + " (did you mean " + meant.get()
                        + "?); nothing was done");
            }
        }
        if (spec.isPresent() && CommandTable.changesState(spec.get()) && !invocation.unknownFlags().isEmpty()) {
            String command = spec.get().name();
            throw EngineException.usage("unknown flag " + invocation.unknownFlags().get(0) + ": '" + command
                    + "' changes state, so it refuses flags it does not know; nothing was done ('help " + command
                    + "' lists its flags)");
        }
        for (String flag : invocation.unknownFlags()) {
            context.log().warn("ignoring unknown flag " + flag);
        }
    }

    private void checkSurface(String command) {
        checkSurface(context, command);
    }

    /** The package-only surface refuses source commands (docs/contract/invocation.md#surfaces); {@code telemetry preview} applies it to what it previews. */
    static void checkSurface(EngineContext context, String command) {
        if (context.release().packageOnly() && CommandTable.sourceOnly(command)) {
            throw EngineException.usage("the '" + command + "' command is not available in the package-only release surface; "
                    + "use 'profile <validate|install|plan|apply|destroy|status> --tgz <file>' or a source checkout");
        }
    }
}
