package io.productivek3s.infra.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the engine on a pseudo-terminal with util-linux {@code script}, so stdin, stdout and {@code /dev/tty} are a
 * real terminal: the way a user at a shell runs it. Input is typed ahead into the terminal; {@code closeInput}
 * ends it (the terminal then reports end of input).
 */
public final class Terminal {
    private Terminal() {
    }

    /** util-linux {@code script} (Debian essential) gives the pseudo-terminal; missing, the test fails. */
    public static void require() {
        if (!Files.isExecutable(Path.of("/usr/bin/script"))) {
            throw new AssertionError("util-linux script is needed for a pseudo-terminal: /usr/bin/script not found");
        }
    }

    /** Exit code and the terminal transcript (everything the engine and its children showed, CR LF line ends). */
    public record Result(int exitCode, String transcript) {
        public int count(String text) {
            return transcript.split(java.util.regex.Pattern.quote(text), -1).length - 1;
        }
    }

    /**
     * @param shellSuffix appended to the engine command line, e.g. {@code " > out.txt"} to take stdout off the terminal
     */
    public static Result run(Engine engine, Path cwd, String input, boolean closeInput, String shellSuffix, String... args) {
        Engine.checkTelemetryStaysLocal(engine.environment());
        StringBuilder command = new StringBuilder(quote(Repo.root().resolve("productive-k3s-infra.sh").toString()));
        for (String arg : args) {
            command.append(' ').append(quote(arg));
        }
        command.append(shellSuffix);
        List<String> argv = new ArrayList<>(List.of("/usr/bin/script", "-qfec", command.toString(), "/dev/null"));
        ProcessBuilder builder = new ProcessBuilder(argv).directory(cwd.toFile());
        builder.environment().clear();
        builder.environment().putAll(engine.environment());
        builder.environment().putIfAbsent("PWD", cwd.toString());
        builder.redirectErrorStream(true);
        try {
            Process process = builder.start();
            CompletableFuture<String> transcript = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            OutputStream stdin = process.getOutputStream();
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            if (closeInput) {
                stdin.close();
            }
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("engine on a terminal did not finish within 120 s: " + command);
            }
            stdin.close();
            return new Result(process.exitValue(), transcript.get(10, TimeUnit.SECONDS));
        } catch (IOException | InterruptedException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String quote(String arg) {
        return "'" + arg.replace("'", "'\\''") + "'";
    }
}
