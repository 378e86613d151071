package io.productivek3s.infra.cli;

import io.productivek3s.infra.cli.CommandSpec.Group;
import io.productivek3s.infra.cli.CommandSpec.Surface;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Usage text rendered from the {@link CommandTable}. The top-level usage keeps the contract's sections and lines
 * (docs/contract/invocation.md#help-text; section headings and command lines are matched by pk3s users' scripts and our tests) and adds a one-line
 * description under each command; {@link #command} renders {@code <command> --help}.
 */
final class HelpText {
    /** How the launcher is called from a bundle's root: the program name when nobody says otherwise. */
    static final String CMD = "./productive-k3s-infra.sh";
    /** Set by a wrapper that runs the launcher for its user (the release installer): how that user calls it. */
    static final String PROGRAM_VARIABLE = "PK3S_INFRA_PROGRAM";
    private static final int PROGRAM_MAX_CHARS = 200;
    private static final String INDENT = "      ";
    private static final List<Flag> GLOBAL_SECTION = List.of(Flag.PROFILE, Flag.PROFILE_ENV, Flag.TGZ, Flag.ENV_FILE,
            Flag.OUTPUT, Flag.DEBUG, Flag.YES, Flag.DRY_RUN, Flag.JSON, Flag.FORCE, Flag.EVENTS, Flag.NAME, Flag.LOCK_TIMEOUT);
    /** The positional arguments a synopsis names right after the command words: {@code <name>}, {@code <name>[@<version>]}. */
    private static final Pattern POSITIONALS = Pattern.compile("^(?: <[^>]*>(?:\\[[^\\]]*\\])?)+");
    /** A required choice right after the command words: {@code <name>|--all}, {@code --to <backend>|--encrypt}. */
    private static final Pattern CHOICE = Pattern.compile("^ (?:<[^>]*>|--[a-z-]+(?: <[^>]*>)?)(?:\\|(?:<[^>]*>|--[a-z-]+(?: <[^>]*>)?))+");

    private HelpText() {
    }

    /**
     * The program name usage lines show: {@value #PROGRAM_VARIABLE} when it is one printable line (a wrapper such as
     * the release installer passes how its user calls it, docs/release.md), else {@link #CMD}.
     */
    static String program(Map<String, String> env) {
        String name = env == null ? null : env.get(PROGRAM_VARIABLE);
        if (name == null || name.isBlank() || name.length() > PROGRAM_MAX_CHARS
                || name.chars().anyMatch(c -> Character.isISOControl(c))) {
            return CMD;
        }
        return name.strip();
    }

    static String render(boolean packageOnly) {
        return render(CMD, packageOnly);
    }

    static String render(String program, boolean packageOnly) {
        StringBuilder text = new StringBuilder("Usage:\n");
        if (packageOnly) {
            line(text, program + " <command> [flags]");
            line(text, program + " profile <validate|install|plan|apply|destroy|status|export> --tgz <file> [flags]");
        } else {
            line(text, program + " <command> --profile <file> [flags]");
            line(text, program + " export --profile <file> --output <file|dir> [flags]");
            line(text, program + " profile <validate|install|plan|apply|destroy|status|export> --tgz <file> [flags]");
            line(text, program + " dev profile <validate|plan|apply|destroy|status|export> --profile-env <file> [flags]");
            line(text, program + " <scenario> [command] [make-args...]");
        }
        text.append('\n').append(packageOnly ? "Package-oriented commands:\n" : "Profile-driven commands:\n");
        commands(text, Group.PACKAGE, packageOnly);
        commands(text, Group.INFO, packageOnly);
        commands(text, Group.SOURCE, packageOnly);
        if (!packageOnly) {
            text.append("\nLegacy compatibility:\n");
            commands(text, Group.LEGACY, false);
        }
        text.append("\nSupported global flags:\n");
        for (Flag flag : GLOBAL_SECTION) {
            if (!packageOnly || (flag != Flag.PROFILE && flag != Flag.PROFILE_ENV)) {
                described(text, flag.synopsis(), flag.description() + takenBy(flag));
            }
        }
        text.append("\nState commands (PK3S_STATE_BACKEND: local or postgresql://user@host:port/db):\n");
        commands(text, Group.STATE, packageOnly);
        text.append("\nArtifact commands:\n");
        line(text, "profile <command> --tgz <url|name|name@version>   (catalogs: PK3S_CATALOG_URLS)");
        commands(text, Group.ARTIFACT, packageOnly);
        line(text, "--offline   use only the download cache");
        text.append("\nAuthoring and diagnostics:\n");
        commands(text, Group.AUTHORING, packageOnly);
        text.append("\nExit codes:\n");
        exitCodes(text, Reference.EXIT_CODES.keySet().stream().toList(), true);
        text.append("\nRun '").append(program).append(" <command> --help' (or 'help <command>') for a command's flags, examples, "
                + "environment and exit codes.\n");
        return text.toString();
    }

    /** {@code <command> --help}: usage, description, flags, examples, environment, exit codes. */
    static String command(CommandSpec spec) {
        return command(CMD, spec);
    }

    static String command(String program, CommandSpec spec) {
        StringBuilder text = new StringBuilder("Usage:\n");
        line(text, program + " " + usageLine(spec));
        text.append('\n').append(capitalized(spec.summary())).append(".\n");
        if (!spec.details().isEmpty()) {
            text.append(spec.details()).append('\n');
        }
        if (spec.surface() == Surface.SOURCE) {
            text.append("Available on the source surface only (not in release or export bundles).\n");
        }
        text.append("\nFlags:\n");
        for (Flag flag : spec.flags()) {
            described(text, flag.synopsis(), flag.description());
        }
        text.append("Global flags: ").append(String.join(", ", Flag.GLOBAL.stream().map(Flag::synopsis).toList())).append('\n');
        if (!spec.json().supported()) {
            text.append("No --json form: ").append(spec.json().noResult()).append(".\n");
        }
        if (!spec.examples().isEmpty()) {
            text.append("\nExamples:\n");
            spec.examples().forEach(example -> line(text, program + " " + example));
        }
        if (!spec.envVars().isEmpty()) {
            text.append("\nEnvironment:\n");
            for (String name : spec.envVars()) {
                described(text, name, Reference.ENV_VARS.getOrDefault(name, ""));
            }
        }
        text.append("\nExit codes:\n");
        exitCodes(text, spec.exitCodes(), spec.childCodes());
        return text.toString();
    }

    /** {@code help profile}: the subcommands under a word. */
    static String group(String program, List<String> prefix, List<CommandSpec> specs) {
        StringBuilder text = new StringBuilder("Usage:\n");
        line(text, program + " " + String.join(" ", prefix) + " <command> [flags]");
        text.append("\nCommands:\n");
        for (CommandSpec spec : specs) {
            described(text, String.join(" ", spec.words()), spec.summary());
        }
        text.append("\nRun '").append(program).append(' ').append(String.join(" ", prefix)).append(" <command> --help' for details.\n");
        return text.toString();
    }

    /**
     * Flags listed among the global ones that only some commands take (the rest refuse or ignore them as unknown):
     * the list says which, so the usage does not promise them everywhere.
     */
    private static String takenBy(Flag flag) {
        if (Flag.GLOBAL.contains(flag) || flag != Flag.NAME && flag != Flag.LOCK_TIMEOUT) {
            return "";
        }
        // "profile install|apply|plan, state push": the commands grouped by their first word, in table order
        Map<String, List<String>> byWord = new java.util.LinkedHashMap<>();
        CommandTable.all().stream().filter(spec -> spec.flags().contains(flag)).forEach(spec -> byWord
                .computeIfAbsent(spec.words().get(0), word -> new java.util.ArrayList<>())
                .add(String.join(" ", spec.words().subList(1, spec.words().size()))));
        List<String> groups = byWord.entrySet().stream().map(group -> (group.getKey() + " "
                + String.join("|", group.getValue())).strip()).toList();
        return "\n" + INDENT + "taken by: " + String.join(", ", groups);
    }

    /** The command, the positional arguments its synopsis names, then its flags: required value flags as given, the rest in brackets. */
    static String usageLine(CommandSpec spec) {
        StringBuilder usage = new StringBuilder(spec.name());
        String chosen = "";
        if (spec.group() == Group.LEGACY) {
            usage.append(" [command] [make-args...]");
        } else if (spec.synopsis() != null && spec.synopsis().startsWith(spec.name())) {
            Matcher choice = CHOICE.matcher(spec.synopsis().substring(spec.name().length()));
            Matcher positionals = POSITIONALS.matcher(spec.synopsis().substring(spec.name().length()));
            if (choice.find()) {
                // one of several (state rekey <name>|--all): shown as the synopsis has it, its flags not again
                chosen = choice.group();
                usage.append(chosen);
            } else if (positionals.find()) {
                usage.append(positionals.group());
            }
        }
        for (Flag flag : spec.flags()) {
            if (chosen.contains(flag.name())) {
                continue;
            }
            usage.append(' ').append(required(spec, flag) ? flag.synopsis() : "[" + flag.synopsis() + "]");
        }
        return usage.toString();
    }

    private static boolean required(CommandSpec spec, Flag flag) {
        String synopsis = spec.synopsis() == null ? "" : spec.synopsis();
        return flag.takesValue() && synopsis.contains(flag.synopsis()) && !synopsis.contains("[" + flag.synopsis());
    }

    private static void commands(StringBuilder text, Group group, boolean packageOnly) {
        for (CommandSpec spec : CommandTable.all()) {
            if (spec.group() != group || spec.synopsis() == null || (packageOnly && spec.surface() == Surface.SOURCE)) {
                continue;
            }
            spec.synopsis().lines().forEach(content -> line(text, content));
            text.append(INDENT).append(spec.summary()).append('\n');
        }
    }

    private static void exitCodes(StringBuilder text, List<Integer> codes, boolean childCodes) {
        for (Map.Entry<Integer, String> code : Reference.EXIT_CODES.entrySet()) {
            if (codes.contains(code.getKey())) {
                line(text, String.format("%-6s %s", code.getKey(), code.getValue()));
            }
        }
        if (childCodes) {
            line(text, Reference.CHILD_CODES);
        }
    }

    private static void described(StringBuilder text, String content, String description) {
        line(text, content);
        if (!description.isEmpty()) {
            text.append(INDENT).append(description).append('\n');
        }
    }

    private static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    private static void line(StringBuilder text, String content) {
        text.append("  ").append(content).append('\n');
    }
}
