package io.productivek3s.infra.cli;

import java.util.List;
import java.util.Optional;

/**
 * A parsed command line (contract §2): global flags, wherever they appeared, and the remaining positionals in order
 * (1 = command, 2 = subcommand, 3 = action). Value flags are null when absent.
 */
public record Invocation(
        List<String> positionals,
        String tgz,
        String envFile,
        String output,
        String profile,
        String events,
        String source,
        String version,
        boolean debug,
        boolean yes,
        boolean dryRun,
        boolean json,
        boolean force,
        boolean offline,
        boolean versionFlag) {

    public Invocation {
        positionals = List.copyOf(positionals);
    }

    public Optional<String> positional(int index) {
        return index < positionals.size() ? Optional.of(positionals.get(index)) : Optional.empty();
    }

    /** Positional at {@code index}, or "" when absent (messages such as {@code unsupported profile command: }). */
    public String word(int index) {
        return positional(index).orElse("");
    }

    public String command() {
        return word(0);
    }

    public boolean eventsNdjson() {
        return "ndjson".equals(events);
    }
}
