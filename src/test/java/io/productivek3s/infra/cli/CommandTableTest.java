package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The command table is the one definition: every row is dispatched, documented, completed and has a JSON answer. */
class CommandTableTest {
    private static final List<CommandSpec> ROWS = CommandTable.all();

    @Test
    void everyRowCarriesItsHandlerAndNamesADistinctCommand() {
        assertThat(ROWS).allSatisfy(spec -> assertThat(spec.command()).as(spec.name()).isNotNull());
        assertThat(ROWS.stream().map(CommandSpec::name).distinct().count()).isEqualTo(ROWS.size());
    }

    /**
     * The table is built per first word (docs/performance.md "The command table, built per first word"): each word's
     * rows are exactly the rows of the whole table that start with it, the same objects in the same order, so a row
     * added to a section is found whichever way the table is read.
     */
    @Test
    void eachFirstWordYieldsExactlyItsRowsOfTheWholeTable() {
        for (String word : CommandTable.firstWords()) {
            List<CommandSpec> expected = ROWS.stream().filter(spec -> spec.words().get(0).equals(word)).toList();
            assertThat(CommandTable.startingWith(word)).as(word).containsExactlyElementsOf(expected);
            for (CommandSpec spec : expected) {
                assertThat(CommandTable.find(spec.words())).as(spec.name()).containsSame(spec);
            }
        }
        assertThat(CommandTable.startingWith("no-such-command")).isEmpty();
        assertThat(CommandTable.find(List.of())).isEmpty();
    }

    /** The parser's flag set is a constant ({@link Flag#ALL}); it must be what the rows take, in table order. */
    @Test
    void theParsersFlagsAreTheFlagsTheRowsTake() {
        java.util.Map<String, Flag> derived = new java.util.LinkedHashMap<>();
        Flag.GLOBAL.forEach(flag -> derived.putIfAbsent(flag.name(), flag));
        ROWS.forEach(spec -> spec.flags().forEach(flag -> derived.putIfAbsent(flag.name(), flag)));
        assertThat(CommandTable.flags()).as("Flag.ALL: add a new row's flag there, where the table first uses it")
                .containsExactlyElementsOf(derived.values());
        // flags sharing a name (--output, --force) must agree on taking a value: the parser knows the name only
        for (CommandSpec spec : ROWS) {
            for (Flag flag : spec.flags()) {
                assertThat(flag.takesValue()).as(spec.name() + " " + flag.name())
                        .isEqualTo(derived.get(flag.name()).takesValue());
            }
        }
    }

    @Test
    void everyRowHasHelpWithUsageFlagsExamplesAndExitCodes() {
        for (CommandSpec spec : ROWS) {
            String help = HelpText.command(spec);
            assertThat(help).as(spec.name()).startsWith("Usage:\n  ./productive-k3s-infra.sh " + spec.name())
                    .contains("\nFlags:\n", "\nExit codes:\n", "  0      success\n");
            assertThat(spec.summary()).as(spec.name()).isNotBlank();
            assertThat(spec.examples()).as(spec.name()).isNotEmpty();
            for (String example : spec.examples()) {
                assertThat(help).contains(HelpText.CMD + " " + example);
                List<String> words = List.of(example.split(" "));
                assertThat(CommandTable.find(words)).as(example).contains(spec);
            }
            for (Flag flag : spec.flags()) {
                assertThat(help).as(spec.name()).contains("  " + flag.synopsis() + "\n      " + flag.description() + "\n");
            }
            for (String variable : spec.envVars()) {
                assertThat(Reference.ENV_VARS).as(spec.name() + " " + variable).containsKey(variable);
            }
            assertThat(Reference.EXIT_CODES.keySet()).as(spec.name()).containsAll(spec.exitCodes());
        }
    }

    @Test
    void everyRowHasAJsonFormOrSaysWhyNot() {
        for (CommandSpec spec : ROWS) {
            if (spec.json().supported()) {
                assertThat(spec.flags()).as(spec.name()).contains(Flag.JSON);
            } else {
                assertThat(spec.json().noResult()).as(spec.name()).isNotBlank();
                assertThat(spec.flags()).as(spec.name()).doesNotContain(Flag.JSON);
            }
        }
    }

    @Test
    void everyRowAndFlagIsInTheCompletionScript() {
        String bash = Completion.bash(false);
        for (CommandSpec spec : ROWS) {
            String flags = spec.flags().stream().map(Flag::name).collect(Collectors.joining(" "));
            assertThat(bash).as(spec.name()).contains("    '" + spec.name() + "') echo '" + flags + "' ;;\n");
            List<String> words = spec.words();
            String parent = String.join(" ", words.subList(0, words.size() - 1));
            assertThat(bash).as(spec.name()).containsPattern("    '" + Pattern.quote(parent) + "'\\) echo '[^']*\\b"
                    + Pattern.quote(words.get(words.size() - 1)) + "\\b");
        }
        String packageOnly = Completion.bash(true);
        assertThat(packageOnly).contains("'profile install')").doesNotContain("'validate-profile'", "'multipass'", "'dev profile'");
    }

    @Test
    void usageListsEveryRowWithASynopsisAndPutsPackageCommandsFirst() {
        String usage = HelpText.render(false);
        for (CommandSpec spec : ROWS) {
            if (spec.synopsis() != null) {
                spec.synopsis().lines().forEach(line -> assertThat(usage).as(spec.name()).contains("  " + line + "\n"));
                assertThat(usage).contains("      " + spec.summary() + "\n");
            }
        }
        int commands = usage.indexOf("Profile-driven commands:\n");
        assertThat(usage.substring(commands)).startsWith("Profile-driven commands:\n  profile validate --tgz <file>\n");
        assertThat(usage).contains("\nExit codes:\n", "  4      contract or validation");
    }

    @Test
    void docsAndReadmeNameOnlyCommandsOfTheTable() throws IOException {
        String cliDoc = Files.readString(Repo.root().resolve("docs/cli.md"));
        for (CommandSpec spec : ROWS) {
            assertThat(cliDoc).as("docs/cli.md lists " + spec.name()).contains("| `" + spec.name() + "` |");
        }
        Pattern invocation = Pattern.compile("productive-k3s-infra\\.sh ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)*)");
        for (String doc : List.of("README.md", "docs/cli.md")) {
            Matcher matcher = invocation.matcher(Files.readString(Repo.root().resolve(doc)));
            while (matcher.find()) {
                List<String> words = List.of(matcher.group(1).split(" "));
                assertThat(CommandTable.find(words)).as(doc + ": " + matcher.group()).isPresent();
            }
        }
    }

    @Test
    void exactlyTheCommandsThatChangeStateRefuseUnknownFlags() {
        Set<String> changing = ROWS.stream().filter(CommandTable::changesState).map(CommandSpec::name)
                .collect(Collectors.toSet());
        assertThat(changing).containsExactlyInAnyOrderElementsOf(ROWS.stream().map(CommandSpec::name)
                .filter(Set.of("profile install", "profile apply", "profile destroy", "state rollback", "state unlock",
                        "state migrate", "state push", "state rekey")::contains).toList());
        assertThat(changing).contains("profile install", "profile apply", "profile destroy", "state rollback",
                "state unlock", "state migrate");
        assertThat(changing).doesNotContain("profile validate", "profile plan", "state list", "state pull");
    }
}
