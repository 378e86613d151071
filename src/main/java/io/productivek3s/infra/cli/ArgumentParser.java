package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses the engine's command line by the bash engine's rules (contract §2.2): flags anywhere, the token after a
 * value flag is always its value (even {@code --debug}), the last occurrence wins, {@code --flag=value} accepted and
 * {@code --flag=} an error, unknown dash-tokens kept as positionals, {@code --} not special.
 *
 * <p>Hand-written on purpose: these rules contradict a general-purpose parser's model (picocli needed its values
 * shielded to accept them) and picocli's initialisation cost ~200 ms per run, 75% of {@code version}'s wall time
 * (docs/performance.md).
 */
public final class ArgumentParser {
    /** Value flags and the {@link Invocation} slot they fill; --profile and --profile-env share one. */
    private static final Map<String, String> VALUE_FLAGS = Map.of(
            "--tgz", "tgz", "--env-file", "envFile", "--output", "output", "--profile", "profile",
            "--profile-env", "profile", "--events", "events", "--source", "source");
    private static final List<String> BOOLEAN_FLAGS = List.of("--debug", "--yes", "--dry-run", "--json", "--force", "--offline");

    public Invocation parse(String[] args) {
        boolean coreCommand = firstPositionalIs(args, "core");
        Values values = new Values();
        List<String> positionals = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            int eq = arg.indexOf('=');
            String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
            boolean inline = !name.equals(arg);
            if (VALUE_FLAGS.containsKey(name) || (coreCommand && name.equals("--version"))) {
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
                values.set(name.equals("--version") ? "version" : VALUE_FLAGS.get(name), value);
            } else if (!inline && BOOLEAN_FLAGS.contains(arg)) {
                values.flags.add(arg);
            } else if (!inline && arg.equals("--version")) {
                values.flags.add(arg);
            } else {
                positionals.add(arg);
            }
        }
        return new Invocation(positionals, values.tgz, values.envFile, values.output, values.profile, values.events,
                values.source, values.version, values.has("--debug"), values.has("--yes"), values.has("--dry-run"),
                values.has("--json"), values.has("--force"), values.has("--offline"), values.has("--version"));
    }

    /** Whether the first positional (skipping flags and their values) is {@code word}. */
    private static boolean firstPositionalIs(String[] args, String word) {
        for (int i = 0; i < args.length; i++) {
            if (VALUE_FLAGS.containsKey(args[i])) {
                i++;
            } else if (!args[i].startsWith("--")) {
                return args[i].equals(word);
            }
        }
        return false;
    }

    /** Mutable accumulator local to one parse. */
    private static final class Values {
        String tgz;
        String envFile;
        String output;
        String profile;
        String events;
        String source;
        String version;
        final List<String> flags = new ArrayList<>();

        void set(String slot, String value) {
            switch (slot) {
                case "tgz" -> tgz = value;
                case "envFile" -> envFile = value;
                case "output" -> output = value;
                case "profile" -> profile = value;
                case "events" -> events = value;
                case "source" -> source = value;
                case "version" -> version = value;
                default -> throw new IllegalArgumentException(slot);
            }
        }

        boolean has(String flag) {
            return flags.contains(flag);
        }
    }
}
