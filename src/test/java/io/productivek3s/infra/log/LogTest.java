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

    /** Every line, --debug included, goes through the one mask (docs/state.md "Credentials"). */
    @Test
    void backendPasswordsAreMaskedInEveryLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Redactor redactor = new Redactor();
        redactor.addSecret("s3 cr/t@pw");
        Log log = new Log(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), redactor);
        log.setDebug(true);
        log.debug("backend postgresql://alice:se/cret@db.example/pk3s, then postgres://bob:p@ss@h:1/d");
        log.debug("env value s3+cr%2Ft%40pw or s3%20cr%2ft%40pw or s3 cr/t@pw");
        log.debug("postgresql://carol@db.example:5432/pk3s is locked; held by alice@ws-a pid 1");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("""
                [pk3s-infra] DEBUG backend postgresql://alice:****@db.example/pk3s, then postgres://bob:****@h:1/d
                [pk3s-infra] DEBUG env value **** or **** or ****
                [pk3s-infra] DEBUG postgresql://carol@db.example:5432/pk3s is locked; held by alice@ws-a pid 1
                """);
    }
}
