package io.productivek3s.infra.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed command line (docs/contract/invocation.md#parsing-rules): flag values and switches, wherever they appeared, and the remaining
 * positionals in order (1 = command, 2 = subcommand, 3 = action). Value flags are null when absent. Only the global
 * flags have getters here; each command reads its own flags into its options record ({@link Command}).
 * {@code unknownFlags} are dash tokens ({@code --x}, {@code -x}) no command declares; they also stay positionals (docs/contract/invocation.md#parsing-rules).
 */
public record Invocation(List<String> positionals, Map<String, String> values, Set<String> switches, List<String> unknownFlags) {

    public Invocation {
        positionals = List.copyOf(positionals);
        values = Map.copyOf(values);
        switches = Set.copyOf(switches);
        unknownFlags = List.copyOf(unknownFlags);
    }

    /** Value of a value flag by name ({@code --tgz}), or null. */
    public String value(String flag) {
        return values.get(flag);
    }

    /** Value of a value flag, or null; a command's options record reads its flags through this. */
    public String value(Flag flag) {
        return values.get(flag.name());
    }

    /** Whether a boolean flag ({@code --json}) was given. */
    public boolean has(String flag) {
        return switches.contains(flag);
    }

    public boolean has(Flag flag) {
        return switches.contains(flag.name());
    }

    // The global flags, which every command accepts: the rest belong to each command's own options record.

    public String events() {
        return value(Flag.EVENTS);
    }

    public boolean debug() {
        return has(Flag.DEBUG);
    }

    public boolean json() {
        return has(Flag.JSON);
    }

    /** {@code --version} as a switch: the version command. */
    public boolean versionFlag() {
        return has("--version");
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
        return "ndjson".equals(events());
    }

    /** {@code --help} or {@code -h} after the command words: per-command help instead of running it. */
    public boolean wantsHelp() {
        return positionals.size() > 1 && positionals.subList(1, positionals.size()).stream()
                .anyMatch(word -> word.equals("--help") || word.equals("-h"));
    }
}
