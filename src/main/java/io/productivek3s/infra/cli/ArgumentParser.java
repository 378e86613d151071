package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the engine's command line by the bash engine's rules (docs/contract/invocation.md#parsing-rules): flags anywhere, the token after a
 * value flag is always its value (even {@code --debug}), the last occurrence wins, {@code --flag=value} accepted and
 * {@code --flag=} an error, unknown dash-tokens kept as positionals (and listed as unknown flags, so the dispatcher
 * can warn or refuse: docs/cli.md "Typos"), {@code --} not special. {@code -o VALUE} is kept for {@link OutputFormat}
 * except after a command that forwards its arguments to make. The flags come from the
 * {@link CommandTable}; {@code --version} takes a value only for commands that declare it so (core), elsewhere it
 * is the version command.
 *
 * <p>Hand-written on purpose: these rules contradict a general-purpose parser's model (picocli needed its values
 * shielded to accept them) and picocli's initialisation cost ~200 ms per run, 75% of {@code version}'s wall time
 * (docs/performance.md).
 */
public final class ArgumentParser {
    /** --profile-env fills the --profile slot (docs/contract/invocation.md#parsing-rules). */
    private static final Map<String, String> SHARED_SLOTS = Map.of("--profile-env", "--profile");

    public Invocation parse(String[] args) {
        // plain loops: this runs on every command, and each stream pipeline or lambda costs classes at start-up
        Map<String, Flag> known = new HashMap<>();
        Set<String> valueFlags = new HashSet<>();
        for (Flag flag : CommandTable.flags()) {
            known.put(flag.name(), flag);
            if (flag.takesValue()) {
                valueFlags.add(flag.name());
            }
        }
        if (!firstCommandTakes(args, valueFlags, Flag.VERSION)) {
            valueFlags.remove(Flag.VERSION.name());
        }
        Map<String, String> values = new HashMap<>();
        Set<String> switches = new HashSet<>();
        List<String> positionals = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            int eq = arg.indexOf('=');
            String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
            boolean inline = !name.equals(arg);
            if (OutputFormat.isShort(arg) && !OutputFormat.forwardedBy(positionals)) {
                // -o VALUE / -o=VALUE: an output format (OutputFormat), not a flag any command declares
                String value = arg.equals(OutputFormat.SHORT) ? (i + 1 < args.length ? args[++i] : "")
                        : arg.substring(OutputFormat.SHORT.length() + 1);
                if (value.isEmpty()) {
                    throw EngineException.usage("-o requires a value (-o json prints JSON)");
                }
                values.put(OutputFormat.SHORT, value);
            } else if (valueFlags.contains(name)) {
                String value;
                if (inline) {
                    value = arg.substring(eq + 1);
                    if (value.isEmpty()) {
                        throw EngineException.usage(name + " requires a value");
                    }
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw EngineException.usage(name + " requires a value");
                }
                values.put(SHARED_SLOTS.getOrDefault(name, name), value);
            } else if (!inline && (known.containsKey(arg) || arg.equals("--version"))) {
                switches.add(arg);
            } else {
                positionals.add(arg);
                String flag = eq > 0 ? arg.substring(0, eq) : arg; // -n=x names -n, as --nmae=x names --nmae
                if (looksLikeFlag(flag) && !known.containsKey(flag)) {
                    unknown.add(flag);
                }
            }
        }
        return new Invocation(positionals, values, switches, unknown);
    }

    /**
     * {@code --word} or {@code -w…}, but not {@code --} or {@code -}, not a negative number, and not the help
     * tokens, which the dispatcher reads as positionals.
     */
    private static boolean looksLikeFlag(String token) {
        if (token.equals("--help") || token.equals("-h")) {
            return false;
        }
        return token.startsWith("--") ? token.length() > 2
                : token.length() > 1 && token.charAt(0) == '-' && Character.isLetter(token.charAt(1));
    }

    /** Whether the command named by the first positional (skipping flags and their values) declares {@code flag}. */
    private static boolean firstCommandTakes(String[] args, Set<String> valueFlags, Flag flag) {
        for (int i = 0; i < args.length; i++) {
            if (valueFlags.contains(args[i]) && !args[i].equals(flag.name())) {
                i++;
            } else if (!args[i].startsWith("--")) {
                for (CommandSpec spec : CommandTable.startingWith(args[i])) {
                    for (Flag declared : spec.flags()) {
                        if (declared.name().equals(flag.name())) {
                            return true;
                        }
                    }
                }
                return false;
            }
        }
        return false;
    }
}
