package io.productivek3s.infra.exec;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.log.Log;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Runs one child (installer, make, tofu) with live output and the exact environment given (docs/contract/output.md#log-lines, docs/contract/runs.md#children).
 * stdin is inherited so interactive scenario flows keep working. In ndjson mode the child's stdout is pumped to our
 * stderr, because stdout then carries only events. SIGINT/SIGTERM received while the child runs are forwarded to it;
 * the engine waits for the child and reports the interruption so state can still be persisted (docs/contract/runs.md#signals).
 */
public final class ChildProcess {
    /** How long a child that died of SIGINT/SIGTERM waits for the engine's own copy of the signal to be seen. */
    private static final long SIGNAL_GRACE_MILLIS = 500;

    private final Log log;
    private final Interrupts interrupts;

    public ChildProcess(Log log) {
        this(log, null);
    }

    /** With {@code interrupts}, signals are recorded run-wide (package runs) instead of only while the child runs. */
    public ChildProcess(Log log, Interrupts interrupts) {
        this.log = log;
        this.interrupts = interrupts;
    }

    /** Outcome: the child's exit code, and the signal number the engine received while waiting (0 if none). */
    public record Result(int exitCode, int engineSignal) {
        public boolean interrupted() {
            return engineSignal != 0;
        }

        /** Exit code the engine should return: 128+signal when interrupted, else the child's own. */
        public int engineExitCode() {
            return interrupted() ? 128 + engineSignal : exitCode;
        }
    }

    public Result run(List<String> argv, Path workingDir, Map<String, String> environment) {
        log.debug("exec: " + String.join(" ", argv) + " (cwd " + workingDir + ")");
        ExecLimits.current().check(argv, environment, 0);
        if (interrupts != null && interrupts.received() != 0) {
            int signal = interrupts.received(); // interrupted before the child could start: it never runs
            return new Result(128 + signal, signal);
        }
        ProcessBuilder builder = new ProcessBuilder(argv).directory(workingDir.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.redirectInput(ProcessBuilder.Redirect.INHERIT);
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        boolean pumpStdout = log.eventsMode();
        if (!pumpStdout) {
            builder.redirectOutput(ProcessBuilder.Redirect.INHERIT);
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            String reason = String.valueOf(e.getMessage());
            if (reason.contains("error=7,")) { // E2BIG: the kernel refused the size, the tool is there
                throw EngineException.invalid("could not start " + argv.get(0)
                        + ": arguments and environment exceed the kernel's limits (E2BIG)");
            }
            throw EngineException.dependency(argv.get(0));
        }
        if (interrupts != null) {
            return runRecorded(process);
        }
        AtomicInteger received = new AtomicInteger();
        SignalHandler previousInt = install("INT", 2, process, received);
        SignalHandler previousTerm = install("TERM", 15, process, received);
        Thread pump = pumpStdout ? pump(process.getInputStream(), log.stderr()) : null;
        try {
            int code = waitFor(process);
            if (pump != null) {
                pump.join(5_000);
            }
            return new Result(code, received.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
            return new Result(130, 2);
        } finally {
            restore("INT", previousInt);
            restore("TERM", previousTerm);
        }
    }

    private Result runRecorded(Process process) {
        interrupts.forwardTo(name -> forward(process, name));
        if (interrupts.received() != 0) {
            forward(process, interrupts.received() == 2 ? "INT" : "TERM"); // arrived while the child was starting
        }
        Thread pump = log.eventsMode() ? pump(process.getInputStream(), log.stderr()) : null;
        try {
            int code = waitFor(process);
            if (pump != null) {
                pump.join(5_000);
            }
            int signal = interrupts.received();
            if (signal == 0 && (code == 130 || code == 143)) {
                signal = interrupts.awaitSignal(SIGNAL_GRACE_MILLIS);
            }
            return new Result(code, signal);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
            return new Result(130, 2);
        } finally {
            interrupts.forwardTo(null);
        }
    }

    private static int waitFor(Process process) throws InterruptedException {
        return process.waitFor();
    }

    private SignalHandler install(String name, int number, Process process, AtomicInteger received) {
        try {
            return Signal.handle(new Signal(name), signal -> {
                received.compareAndSet(0, number);
                forward(process, name);
            });
        } catch (IllegalArgumentException e) {
            return null; // signal not available on this platform
        }
    }

    private static void restore(String name, SignalHandler previous) {
        if (previous != null) {
            try {
                Signal.handle(new Signal(name), previous);
            } catch (IllegalArgumentException ignored) {
                // nothing to restore
            }
        }
    }

    /** Sends the signal to the child and its descendants; the JDK can only send TERM/KILL itself. */
    private void forward(Process process, String signal) {
        List<ProcessHandle> targets = new java.util.ArrayList<>();
        targets.add(process.toHandle());
        process.descendants().forEach(targets::add);
        if (signal.equals("TERM")) {
            targets.forEach(ProcessHandle::destroy);
            return;
        }
        for (ProcessHandle handle : targets) {
            try {
                new ProcessBuilder("kill", "-" + signal, Long.toString(handle.pid()))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                handle.destroy();
            }
        }
    }

    private static Thread pump(InputStream in, PrintStream out) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    synchronized (out) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException ignored) {
                // child closed its stdout
            }
        }, "child-stdout");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

}
