package io.productivek3s.infra.telemetry;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The interactive consent question (docs/telemetry.md#who-decides), asked on the controlling terminal, never on stdout: only when
 * stdin and stdout are terminals and {@code /dev/tty} opens. Empty, {@code y}, {@code yes} mean yes; {@code n},
 * {@code no} mean no (any case); anything else asks again, and three invalid answers or end of input mean no.
 * A clear answer is remembered ({@link ConsentMemory}) and stands in for the question in later interactive runs.
 */
public final class ConsentPrompt {
    public static final String TEXT = "Productive K3S Infra can send anonymous telemetry about this run to help improve the "
            + "installation flow. It does not include any sensitive information like hostnames or other "
            + "environment-specific identifiers. If enabled, this choice will also be propagated to the underlying "
            + "productive-k3s bootstrap steps. Enable anonymous telemetry for this run? [Y/n]: ";
    static final int MAX_INVALID = 3;

    /** A conversation with the user's terminal. */
    public interface Terminal extends Closeable {
        void write(String text) throws IOException;

        /** The next line without its terminator; null at end of input. */
        String readLine() throws IOException;
    }

    /** Opens the terminal when the run is interactive, empty otherwise. */
    @FunctionalInterface
    public interface TerminalSource {
        Optional<Terminal> open();
    }

    private final TerminalSource terminals;
    private final ConsentMemory memory;

    /** A prompt that remembers nothing. */
    public ConsentPrompt(TerminalSource terminals) {
        this(terminals, ConsentMemory.NONE);
    }

    public ConsentPrompt(TerminalSource terminals, ConsentMemory memory) {
        this.terminals = terminals;
        this.memory = memory;
    }

    /** Asks on {@code /dev/tty} when stdin and stdout are terminals, remembering the answer as {@code env} says. */
    public static ConsentPrompt system(Map<String, String> env) {
        return new ConsentPrompt(ConsentPrompt::openControllingTerminal, ConsentMemory.fromEnv(env));
    }

    /**
     * The user's answer, remembered or asked; empty when there is no terminal to ask on (a remembered answer stands in
     * for the question only, so it does not apply then either).
     */
    public Optional<Boolean> ask() {
        Optional<Terminal> opened = terminals.open();
        if (opened.isEmpty()) {
            return Optional.empty();
        }
        try (Terminal terminal = opened.get()) {
            Optional<Boolean> remembered = memory.read();
            if (remembered.isPresent()) {
                return remembered;
            }
            Optional<Boolean> answer = question(terminal);
            if (answer.isEmpty()) {
                return Optional.of(false); // no clear answer: off for this run, and asked again next time
            }
            Optional<Path> kept = memory.remember(answer.get());
            if (kept.isPresent()) {
                terminal.write("Answer remembered in " + kept.get() + " (delete it to be asked again; TELEMETRY_ENABLED "
                        + "and the override env file still decide first).\n");
            }
            return answer;
        } catch (IOException e) {
            return Optional.of(false);
        }
    }

    /** The answer to the question asked up to {@link #MAX_INVALID} times; empty at end of input or when never clear. */
    private static Optional<Boolean> question(Terminal terminal) throws IOException {
        for (int invalid = 0; invalid < MAX_INVALID; invalid++) {
            terminal.write(TEXT);
            String line = terminal.readLine();
            if (line == null) {
                terminal.write("\n");
                return Optional.empty();
            }
            Optional<Boolean> answer = parse(line);
            if (answer.isPresent()) {
                return answer;
            }
        }
        return Optional.empty();
    }

    static Optional<Boolean> parse(String answer) {
        switch (answer.trim().toLowerCase(Locale.ROOT)) {
            case "":
            case "y":
            case "yes":
                return Optional.of(true);
            case "n":
            case "no":
                return Optional.of(false);
            default:
                return Optional.empty();
        }
    }

    private static Optional<Terminal> openControllingTerminal() {
        if (!stdinAndStdoutAreTerminals()) {
            return Optional.empty();
        }
        FileInputStream in = null;
        try {
            in = new FileInputStream("/dev/tty");
            FileOutputStream out = new FileOutputStream("/dev/tty");
            return Optional.of(new TtyTerminal(in, out));
        } catch (IOException | SecurityException e) {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // the terminal was unusable anyway
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Java 17 returns a console only when stdin and stdout are terminals; newer runtimes may return one for
     * redirected streams too and then tell the difference with {@code Console.isTerminal()}.
     */
    private static boolean stdinAndStdoutAreTerminals() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = java.io.Console.class.getMethod("isTerminal");
            return Boolean.TRUE.equals(isTerminal.invoke(console));
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** {@code /dev/tty} opened twice: for reading the answer and for writing the question. */
    private static final class TtyTerminal implements Terminal {
        private final FileInputStream in;
        private final OutputStream out;
        private final BufferedReader reader;

        TtyTerminal(FileInputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
            this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        }

        @Override
        public void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        @Override
        public String readLine() throws IOException {
            return reader.readLine();
        }

        @Override
        public void close() throws IOException {
            try {
                out.close();
            } finally {
                in.close();
            }
        }
    }
}
