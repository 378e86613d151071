package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code -o json} and {@code --output json}: the usual spellings of "print JSON" in other CLIs, read as
 * {@code --json} (docs/cli.md "JSON output") instead of being ignored. Where a command's {@code --output} is a
 * path ({@code profile export}, {@code state pull}, {@code profile pack}, {@code export}), {@code --output json} stays
 * the path {@code json} and {@code -o} is refused as ambiguous. Commands that forward their arguments to make
 * (legacy aliases) keep {@code -o} for make. Any other format is refused: the engine prints JSON or text.
 */
final class OutputFormat {
    static final String SHORT = "-o";
    static final String JSON = "json";

    private OutputFormat() {
    }

    /** The invocation with {@code -o json} / {@code --output json} turned into {@code --json} where they mean that. */
    static Invocation resolve(Invocation invocation) {
        Optional<CommandSpec> spec = CommandTable.find(invocation.positionals());
        if (spec.isPresent() && CommandTable.forwardsArguments(spec.get().words().get(0))) {
            return invocation;
        }
        boolean outputIsPath = spec.isPresent() && outputIsPath(spec.get());
        String shortValue = invocation.value(SHORT);
        String command = spec.isPresent() ? spec.get().name() : invocation.command();
        if (shortValue != null && outputIsPath) {
            throw EngineException.usage("-o is ambiguous for '" + command + "', whose --output is a path: use --json for the "
                    + "JSON document, --output <path> for where to write");
        }
        String format = shortValue != null ? shortValue : outputIsPath ? null : invocation.value(Flag.OUTPUT);
        if (format == null) {
            return invocation;
        }
        String spelled = shortValue != null ? SHORT : "--output";
        if (!format.equals(JSON)) {
            throw EngineException.usage("unsupported output format: " + spelled + " " + format + " ('" + command
                    + "' prints text, or JSON with --json, -o json or --output json)");
        }
        Map<String, String> values = new HashMap<>(invocation.values());
        values.remove(SHORT);
        values.remove("--output");
        Set<String> switches = new HashSet<>(invocation.switches());
        switches.add(Flag.JSON.name());
        return new Invocation(invocation.positionals(), values, switches, invocation.unknownFlags());
    }

    private static boolean outputIsPath(CommandSpec spec) {
        for (Flag flag : spec.flags()) { // a loop, not a stream: this runs on every command
            if (flag.name().equals("--output")) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code token} (a command line word) is the short form, alone or as {@code -o=VALUE}. */
    static boolean isShort(String token) {
        return token.equals(SHORT) || token.startsWith(SHORT + "=");
    }

    /** For the parser: the first command word's row forwards its arguments, {@code -o} included, to make. */
    static boolean forwardedBy(List<String> positionalsSoFar) {
        return !positionalsSoFar.isEmpty() && CommandTable.forwardsArguments(positionalsSoFar.get(0));
    }
}
