package io.productivek3s.infra.log;

import java.io.PrintStream;

/**
 * Engine log lines: {@code [pk3s-infra] LEVEL message} with the level padded to five characters (docs/contract/output.md#log-lines).
 * INFO/OK/WARN go to stdout, or to stderr when stdout is reserved for ndjson events; ERROR and DEBUG always go
 * to stderr. Every message passes through the {@link Redactor} so a secret can never reach a terminal or a log file.
 */
public final class Log {
    public static final String PREFIX = "[pk3s-infra] ";

    private final PrintStream out;
    private final PrintStream err;
    private final Redactor redactor;
    private volatile boolean eventsMode;
    private volatile boolean debug;

    public Log(PrintStream out, PrintStream err, Redactor redactor) {
        this.out = out;
        this.err = err;
        this.redactor = redactor;
    }

    /** A log that writes nowhere, for library code exercised without a terminal. */
    public static Log silent() {
        PrintStream sink = new PrintStream(PrintStream.nullOutputStream());
        return new Log(sink, sink, new Redactor());
    }

    public void setEventsMode(boolean eventsMode) {
        this.eventsMode = eventsMode;
    }

    public boolean eventsMode() {
        return eventsMode;
    }

    public void setDebug(boolean debug) {
        this.debug = debug;
    }

    public boolean debugEnabled() {
        return debug;
    }

    public Redactor redactor() {
        return redactor;
    }

    public void info(String message) {
        write(progressStream(), "INFO", message);
    }

    public void ok(String message) {
        write(progressStream(), "OK", message);
    }

    public void warn(String message) {
        write(progressStream(), "WARN", message);
    }

    public void error(String message) {
        write(err, "ERROR", message);
    }

    public void debug(String message) {
        if (debug) {
            write(err, "DEBUG", message);
        }
    }

    /** Stream that child processes' stdout should be connected to (stderr in ndjson mode, docs/contract/output.md#log-lines). */
    public PrintStream progressStream() {
        return eventsMode ? err : out;
    }

    public PrintStream stdout() {
        return out;
    }

    public PrintStream stderr() {
        return err;
    }

    private void write(PrintStream stream, String level, String message) {
        String text = escapeControls(redactor.redact(message == null ? "" : message).replace("\r\n", " ").replace('\n', ' ').replace('\r', ' '));
        String line = PREFIX + String.format("%-5s", level) + " " + text;
        synchronized (stream) {
            stream.println(line);
            stream.flush();
        }
    }

    /**
     * Echoed user input (a path, a name) must not reach the terminal as an escape sequence: other control characters
     * than tab are shown as {@code \xHH}.
     */
    static String escapeControls(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = (c < 0x20 && c != '\t') || c == 0x7f;
            if (control && out == null) {
                out = new StringBuilder(text.substring(0, i));
            }
            if (out != null) {
                out.append(control ? String.format("\\x%02x", (int) c) : String.valueOf(c));
            }
        }
        return out == null ? text : out.toString();
    }
}
