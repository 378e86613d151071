package io.productivek3s.infra.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConsentPromptTest {
    /** A terminal that answers from a script and records what was written to it. */
    static final class ScriptedTerminal implements ConsentPrompt.Terminal {
        final Deque<String> answers;
        final StringBuilder written = new StringBuilder();
        boolean closed;

        ScriptedTerminal(String... answers) {
            this.answers = new ArrayDeque<>(List.of(answers));
        }

        @Override
        public void write(String text) {
            written.append(text);
        }

        @Override
        public String readLine() {
            return answers.poll();
        }

        @Override
        public void close() {
            closed = true;
        }

        int prompts() {
            return written.toString().split(java.util.regex.Pattern.quote(ConsentPrompt.TEXT), -1).length - 1;
        }
    }

    @Test
    void promptTextIsTheContractText() {
        assertThat(ConsentPrompt.TEXT).isEqualTo("Productive K3S Infra can send anonymous telemetry about this run to help improve the "
                + "installation flow. It does not include any sensitive information like hostnames or other environment-specific "
                + "identifiers. If enabled, this choice will also be propagated to the underlying productive-k3s bootstrap steps. "
                + "Enable anonymous telemetry for this run? [Y/n]: ");
    }

    @Test
    void yesAnswersInAnyCase() {
        for (String answer : new String[] {"", "y", "Y", "yes", "YES", "Yes", " y "}) {
            ScriptedTerminal terminal = new ScriptedTerminal(answer);
            assertThat(new ConsentPrompt(() -> Optional.of(terminal)).ask()).as("'%s'", answer).contains(true);
            assertThat(terminal.prompts()).isEqualTo(1);
            assertThat(terminal.closed).isTrue();
        }
    }

    @Test
    void noAnswersInAnyCase() {
        for (String answer : new String[] {"n", "N", "no", "NO", "No"}) {
            assertThat(new ConsentPrompt(() -> Optional.of(new ScriptedTerminal(answer))).ask()).as(answer).contains(false);
        }
    }

    @Test
    void invalidAnswersAskAgainThenMeanNo() {
        ScriptedTerminal recovers = new ScriptedTerminal("maybe", "sure", "yes");
        assertThat(new ConsentPrompt(() -> Optional.of(recovers)).ask()).contains(true);
        assertThat(recovers.prompts()).isEqualTo(3);

        ScriptedTerminal givesUp = new ScriptedTerminal("maybe", "sure", "ok", "yes");
        assertThat(new ConsentPrompt(() -> Optional.of(givesUp)).ask()).contains(false);
        assertThat(givesUp.prompts()).isEqualTo(3);
        assertThat(givesUp.answers).containsExactly("yes");
    }

    @Test
    void endOfInputMeansNo() {
        ScriptedTerminal eof = new ScriptedTerminal();
        assertThat(new ConsentPrompt(() -> Optional.of(eof)).ask()).contains(false);
        ScriptedTerminal eofAfterInvalid = new ScriptedTerminal("what");
        assertThat(new ConsentPrompt(() -> Optional.of(eofAfterInvalid)).ask()).contains(false);
        assertThat(eofAfterInvalid.prompts()).isEqualTo(2);
    }

    @Test
    void withoutATerminalThereIsNoAnswer() {
        assertThat(new ConsentPrompt(Optional::empty).ask()).isEmpty();
    }

    @Test
    void theSystemPromptDoesNotAskWithoutATerminal() {
        // surefire runs without a console (stdin/stdout are not terminals)
        assertThat(System.console()).isNull();
        assertThat(ConsentPrompt.system(java.util.Map.of()).ask()).isEmpty();
    }

    @Test
    void aClearAnswerIsRememberedAndStandsInForTheQuestion(@org.junit.jupiter.api.io.TempDir java.nio.file.Path home)
            throws Exception {
        ConsentMemory memory = ConsentMemory.fromEnv(java.util.Map.of("HOME", home.toString()));
        java.nio.file.Path file = home.resolve(".config/pk3s/telemetry");
        assertThat(memory.file()).contains(file);

        ScriptedTerminal first = new ScriptedTerminal("n");
        assertThat(new ConsentPrompt(() -> Optional.of(first), memory).ask()).contains(false);
        assertThat(first.prompts()).isEqualTo(1);
        assertThat(first.written.toString()).endsWith("Answer remembered in " + file + " (delete it to be asked again; "
                + "TELEMETRY_ENABLED and the override env file still decide first).\n");
        assertThat(java.nio.file.Files.readString(file)).isEqualTo("false\n");
        assertThat(java.nio.file.Files.getPosixFilePermissions(file)).isEqualTo(io.productivek3s.infra.util.Files2.FILE_PRIVATE);

        ScriptedTerminal second = new ScriptedTerminal("y");
        assertThat(new ConsentPrompt(() -> Optional.of(second), memory).ask()).contains(false);
        assertThat(second.prompts()).as("not asked again").isZero();
        assertThat(second.closed).isTrue();
        // a remembered answer replaces the question only: without a terminal there is still no answer
        assertThat(new ConsentPrompt(Optional::empty, memory).ask()).isEmpty();

        java.nio.file.Files.writeString(file, "Yes\n");
        assertThat(new ConsentPrompt(() -> Optional.of(new ScriptedTerminal()), memory).ask()).contains(true);
    }

    @Test
    void noClearAnswerIsNotRemembered(@org.junit.jupiter.api.io.TempDir java.nio.file.Path home) {
        ConsentMemory memory = ConsentMemory.fromEnv(java.util.Map.of("HOME", home.toString()));
        assertThat(new ConsentPrompt(() -> Optional.of(new ScriptedTerminal()), memory).ask()).contains(false);
        assertThat(new ConsentPrompt(() -> Optional.of(new ScriptedTerminal("a", "b", "c")), memory).ask()).contains(false);
        assertThat(home.resolve(".config/pk3s/telemetry")).doesNotExist();
        ScriptedTerminal asked = new ScriptedTerminal("");
        assertThat(new ConsentPrompt(() -> Optional.of(asked), memory).ask()).contains(true);
        assertThat(asked.prompts()).isEqualTo(1);
    }

    @Test
    void theMemoryLivesUnderAnAbsoluteXdgConfigHomeElseHome() {
        assertThat(ConsentMemory.fromEnv(java.util.Map.of("XDG_CONFIG_HOME", "/cfg", "HOME", "/home/u")).file())
                .contains(java.nio.file.Path.of("/cfg/pk3s/telemetry"));
        assertThat(ConsentMemory.fromEnv(java.util.Map.of("XDG_CONFIG_HOME", "relative", "HOME", "/home/u")).file())
                .contains(java.nio.file.Path.of("/home/u/.config/pk3s/telemetry"));
        assertThat(ConsentMemory.fromEnv(java.util.Map.of()).file()).isEmpty();
    }
}
