package io.productivek3s.infra.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed command line (docs/contract/invocation.md#parsing-rules): flag values and switches, wherever they appeared, and the remaining
 * positionals in order (1 = command, 2 = subcommand, 3 = action). Value flags are null when absent.
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

    /** Whether a boolean flag ({@code --json}) was given. */
    public boolean has(String flag) {
        return switches.contains(flag);
    }

    public String tgz() {
        return value("--tgz");
    }

    public String envFile() {
        return value("--env-file");
    }

    public String output() {
        return value("--output");
    }

    /** {@code --name <cluster>}, the state name; null when absent. */
    public String name() {
        return value("--name");
    }

    public String lockTimeout() {
        return value("--lock-timeout");
    }

    public String revision() {
        return value("--revision");
    }

    public String to() {
        return value("--to");
    }

    /** {@code state push --from <dir>}. */
    public String from() {
        return value("--from");
    }

    public boolean discard() {
        return has("--discard");
    }

    /** {@code --profile} or {@code --profile-env}, whichever came last. */
    public String profile() {
        return value("--profile");
    }

    public String events() {
        return value("--events");
    }

    public String source() {
        return value("--source");
    }

    /** {@code --version <v>} of the core commands. */
    public String version() {
        return value("--version");
    }

    public boolean debug() {
        return has("--debug");
    }

    public boolean yes() {
        return has("--yes");
    }

    public boolean dryRun() {
        return has("--dry-run");
    }

    public boolean replace() {
        return has("--replace");
    }

    public boolean json() {
        return has("--json");
    }

    public boolean force() {
        return has("--force");
    }

    public boolean offline() {
        return has("--offline");
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
