package io.productivek3s.infra.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One line per message, and echoed input never reaches the terminal as a control sequence. */
class LogTest {
    @Test
    void controlCharactersInMessagesAreShownNotSent() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Log log = new Log(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), new Redactor());
        log.error("tgz package not found: ./x\u001b]0;owned\u0007\nnext\ttab\u007f.tgz");
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("[pk3s-infra] ERROR tgz package not found: ./x\\x1b]0;owned\\x07 next\ttab\\x7f.tgz\n");
        assertThat(Log.escapeControls("plain é text")).isEqualTo("plain é text");
    }
}
