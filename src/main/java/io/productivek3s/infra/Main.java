package io.productivek3s.infra;

import io.productivek3s.infra.cli.Cli;
import io.productivek3s.infra.exec.CallerLocale;
import io.productivek3s.infra.exec.CredentialHandover;
import io.productivek3s.infra.util.ShutdownHooks;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;

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
        // the launcher computes the root without forking, so it may carry "." or ".." segments
        Path installRoot = (root.isEmpty() ? Path.of("") : Path.of(root)).toAbsolutePath().normalize();
        int code;
        try {
            // first, before anything can start a child: the descriptor holding the credentials is read and emptied
            Map<String, String> env = CredentialHandover.restore(CallerLocale.restore(System.getenv()),
                    System.getProperty(CredentialHandover.PROPERTY));
            code = new Cli(env, out, err, installRoot, new LazyZoneClock()).run(args);
        } catch (EngineException e) {
            err.println("[pk3s-infra] ERROR " + e.getMessage());
            code = e.exitCode();
        }
        out.flush();
        err.flush();
        System.out.flush(); // anything a library printed: halt, unlike exit, has no one else flush it
        System.err.flush();
        ShutdownHooks.end(code);
    }

    /**
     * The system clock whose time zone is resolved on first use: loading the time-zone rules costs tens of
     * milliseconds at start-up (docs/performance.md) and only local-time stamps (telemetry's sent_at) need them.
     */
    static final class LazyZoneClock extends Clock {
        private volatile ZoneId zone;

        @Override
        public ZoneId getZone() {
            ZoneId resolved = zone;
            if (resolved == null) {
                resolved = ZoneId.systemDefault();
                zone = resolved;
            }
            return resolved;
        }

        @Override
        public Clock withZone(ZoneId newZone) {
            return Clock.system(newZone);
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(System.currentTimeMillis());
        }

        @Override
        public long millis() {
            return System.currentTimeMillis();
        }
    }
}
