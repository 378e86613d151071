package io.productivek3s.infra;

import io.productivek3s.infra.cli.Cli;
import io.productivek3s.infra.exec.CallerLocale;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

/** Process entry point; the launcher passes the install root as {@code -Dpk3s.install.root}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        // A worker thread (telemetry delivery, output pump) that dies of an exhausted resource ends the run with one
        // line rather than a JVM trace on stderr.
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (error instanceof VirtualMachineError) {
                err.println("[pk3s-infra] ERROR internal error: " + (error instanceof OutOfMemoryError
                        ? "the engine ran out of memory" : "the engine ran out of stack") + " in " + thread.getName());
                err.flush();
                Runtime.getRuntime().halt(EngineException.RUNTIME);
            }
        });
        String root = System.getProperty("pk3s.install.root", "");
        Path installRoot = root.isEmpty() ? Path.of("").toAbsolutePath() : Path.of(root);
        int code = new Cli(CallerLocale.restore(System.getenv()), out, err, installRoot, Clock.systemDefaultZone()).run(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
