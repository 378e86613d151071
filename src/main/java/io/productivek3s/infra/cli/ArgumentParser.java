package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Parses the engine's command line with picocli, configured for the bash engine's rules (contract §2.2): flags
 * anywhere, the token after a value flag is always its value, the last occurrence wins, {@code --flag=value}
 * accepted, unknown dash-tokens kept as positionals.
 */
public final class ArgumentParser {

    /** picocli model: one flat command holding every global flag. */
    @Command(name = "productive-k3s-infra.sh", mixinStandardHelpOptions = false)
    static final class Model {
        @Option(names = "--tgz") String tgz;
        @Option(names = "--env-file") String envFile;
        @Option(names = "--output") String output;
        @Option(names = {"--profile", "--profile-env"}) String profile;
        @Option(names = "--events") String events;
        @Option(names = "--source") String source;
        @Option(names = "--debug") boolean debug;
        @Option(names = "--yes") boolean yes;
        @Option(names = "--dry-run") boolean dryRun;
        @Option(names = "--json") boolean json;
        @Option(names = "--force") boolean force;
        @Option(names = "--offline") boolean offline;
        @Parameters List<String> positionals = new ArrayList<>();
    }

    private static final List<String> VALUE_FLAGS = List.of("--tgz", "--env-file", "--output", "--profile", "--profile-env", "--events", "--source");

    public Invocation parse(String[] rawArgs) {
        // `--version` is the version command, except after `core` where it selects a Core release (`core fetch --version V`).
        List<String> args = new ArrayList<>(List.of(rawArgs));
        String coreVersion = null;
        boolean versionFlag = false;
        boolean coreCommand = firstPositionalIs(args, "core");
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (VALUE_FLAGS.contains(arg)) {
                i++; // skip its value, whatever it looks like
                continue;
            }
            if (arg.equals("--version") || arg.startsWith("--version=")) {
                if (coreCommand) {
                    coreVersion = takeValue(args, i, "--version");
                    args.remove(i);
                    if (!arg.contains("=")) {
                        args.remove(i);
                    }
                    i--;
                } else {
                    versionFlag = true;
                    args.remove(i--);
                }
            }
        }
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (VALUE_FLAGS.contains(arg)) {
                if (i == args.size() - 1) {
                    throw EngineException.usage(arg + " requires a value");
                }
                i++; // the next token is the value, whatever it looks like
            } else if (arg.endsWith("=") && VALUE_FLAGS.contains(arg.substring(0, arg.length() - 1))) {
                throw EngineException.usage(arg.substring(0, arg.length() - 1) + " requires a value");
            }
        }
        Model model = new Model();
        CommandLine cli = new CommandLine(model)
                .setUnmatchedOptionsArePositionalParams(true)
                .setAllowOptionsAsOptionParameters(true)
                .setAllowSubcommandsAsOptionParameters(true)
                .setOverwrittenOptionsAllowed(true)
                .setPosixClusteredShortOptionsAllowed(false)
                .setEndOfOptionsDelimiter("\u0000--")
                .setTrimQuotes(false)
                .setExpandAtFiles(false);
        try {
            cli.parseArgs(escapeValues(args));
        } catch (CommandLine.ParameterException e) {
            throw EngineException.usage(e.getMessage());
        }
        return new Invocation(model.positionals, unescape(model.tgz), unescape(model.envFile), unescape(model.output),
                unescape(model.profile), unescape(model.events), unescape(model.source), coreVersion, model.debug, model.yes, model.dryRun,
                model.json, model.force, model.offline, versionFlag);
    }

    private static boolean firstPositionalIs(List<String> args, String word) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (VALUE_FLAGS.contains(arg)) {
                i++;
            } else if (!arg.startsWith("--")) {
                return arg.equals(word);
            }
        }
        return false;
    }

    private static String takeValue(List<String> args, int index, String flag) {
        String arg = args.get(index);
        String value;
        if (arg.contains("=")) {
            value = arg.substring(arg.indexOf('=') + 1);
        } else if (index + 1 < args.size()) {
            value = args.get(index + 1);
        } else {
            value = "";
        }
        if (value.isEmpty()) {
            throw EngineException.usage(flag + " requires a value");
        }
        return value;
    }

    /*
     * picocli would reject a value that looks like one of our own options ("--tgz --debug") or treat it as a
     * cluster of short flags. Values are shielded with a marker character and unwrapped after parsing, which makes
     * "the next token is always the value" hold for every input.
     */
    private static final char SHIELD = '\u0001';

    private static String[] escapeValues(List<String> args) {
        String[] out = new String[args.size()];
        for (int i = 0; i < args.size(); i++) {
            out[i] = args.get(i);
            if (VALUE_FLAGS.contains(args.get(i)) && i + 1 < args.size()) {
                i++;
                out[i] = SHIELD + args.get(i);
            }
        }
        return out;
    }

    private static String unescape(String value) {
        if (value == null) {
            return null;
        }
        return value.charAt(0) == SHIELD ? value.substring(1) : value;
    }
}
