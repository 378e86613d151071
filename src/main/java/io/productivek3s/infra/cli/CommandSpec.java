package io.productivek3s.infra.cli;

import java.util.List;
import java.util.Optional;

/**
 * One row of the {@link CommandTable}: the words that name a command, the flags it takes, where it is available,
 * and everything help and completion print about it.
 *
 * @param words      command words, e.g. {@code [profile, install]}
 * @param group      section of the top-level usage the command is listed in
 * @param surface    {@link Surface#SOURCE} commands are refused on the package-only surface (docs/contract/invocation.md#surfaces)
 * @param synopsis   the line in the top-level usage, without the program name (docs/contract/invocation.md#help-text text where it has one)
 * @param summary    one-line description
 * @param details    a paragraph for {@code <command> --help}
 * @param flags      flags the command reads, besides {@link Flag#GLOBAL}
 * @param examples   full command lines, without the program name
 * @param envVars    environment variables that change what the command does
 * @param exitCodes  the exit codes the command can end with, besides child codes where {@code childCodes} is set
 * @param json       how {@code --json} applies: a result document, or why the command prints none
 * @param command    what runs the command: its options record and its handler
 */
public record CommandSpec(
        List<String> words,
        Group group,
        Surface surface,
        String synopsis,
        String summary,
        String details,
        List<Flag> flags,
        List<String> examples,
        List<String> envVars,
        List<Integer> exitCodes,
        boolean childCodes,
        JsonForm json,
        Command<?> command) {

    public CommandSpec {
        words = List.copyOf(words);
        flags = List.copyOf(flags);
        examples = List.copyOf(examples);
        envVars = List.copyOf(envVars);
        exitCodes = List.copyOf(exitCodes);
    }

    /** Where a command is available (docs/contract/invocation.md#surfaces). */
    public enum Surface {
        BOTH, SOURCE
    }

    /** Sections of the top-level usage, in print order. */
    public enum Group {
        PACKAGE, INFO, SOURCE, LEGACY, STATE, ARTIFACT, AUTHORING
    }

    /**
     * {@code --json}: {@code document} names the schema in docs/cli.md; a command without one says why
     * ({@code noResult}), e.g. because it streams a child's output or is itself a document.
     */
    public record JsonForm(String document, String noResult) {
        public static JsonForm of(String document) {
            return new JsonForm(document, null);
        }

        public static JsonForm none(String why) {
            return new JsonForm(null, why);
        }

        public boolean supported() {
            return document != null;
        }
    }

    /** The command words joined by spaces, e.g. {@code profile install}. */
    public String name() {
        return String.join(" ", words);
    }

    public boolean accepts(Flag flag) {
        return flags.contains(flag) || Flag.GLOBAL.contains(flag);
    }

    public Optional<Flag> flag(String name) {
        return flags.stream().filter(f -> f.name().equals(name)).findFirst();
    }
}
