package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.core.EngineBuild;
import io.productivek3s.infra.core.Release;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.log.OperationEvents;
import io.productivek3s.infra.log.Redactor;
import io.productivek3s.infra.paths.CallerPaths;
import io.productivek3s.infra.state.backends.StateBackends;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * The engine's front door: parse, surface gate, dispatch, and turn every failure into one ERROR line and the
 * documented exit code (docs/contract/invocation.md#parsing-rules, docs/contract/invocation.md#surfaces, docs/cli.md#exit-codes). Never lets a stack trace reach the user unless {@code --debug}.
 */
public final class Cli {
    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final Path installRoot;
    private final Clock clock;

    public Cli(Map<String, String> env, PrintStream out, PrintStream err, Path installRoot, Clock clock) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.installRoot = installRoot;
        this.clock = clock;
    }

    public int run(String[] args) {
        Log log = new Log(out, err, new Redactor());
        log.redactor().addSecret(env.get("TELEMETRY_BEARER_TOKEN"));
        StateBackends.knownPasswords(env).forEach(log.redactor()::addSecret);
        if (args.length == 0) {
            err.print(HelpText.render(HelpText.program(env), surfaceFromEnvOnly()));
            err.flush();
            return EngineException.USAGE;
        }
        OperationEvents events = OperationEvents.disabled();
        try {
            Invocation invocation = OutputFormat.resolve(new ArgumentParser().parse(args));
            log.setDebug(invocation.debug());
            if (invocation.events() != null && !invocation.eventsNdjson()) {
                throw EngineException.usage("unsupported events format: " + invocation.events());
            }
            // stdout is reserved for machine output: ndjson events, or the --json document
            log.setEventsMode(invocation.eventsNdjson() || invocation.json());
            if (log.debugEnabled()) {
                // only under --debug: ProcessHandle's info starts a thread pool and ~40 JDK classes, which every
                // command would otherwise pay for a line it discards (docs/performance.md "What the engine loads
                // before main returns")
                traceInvocation(log, invocation);
            }
            Release release = Release.load(installRoot, env, log::warn);
            events = new OperationEvents(out, invocation.eventsNdjson(), clock, log.redactor());
            CallerPaths paths = CallerPaths.from(env, log::debug);
            EngineContext context = new EngineContext(release.baseEnvironment(), release, installRoot, paths, log, events,
                    EngineBuild.current(), clock);
            return new Dispatcher(context, invocation).dispatch();
        } catch (EngineException e) {
            log.error(e.getMessage());
            events.completed(e.exitCode(), e.getMessage());
            return e.exitCode();
        } catch (UncheckedIOException e) {
            return internalError(log, events, e.getMessage() + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""), e);
        } catch (RuntimeException e) {
            return internalError(log, events, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (OutOfMemoryError e) {
            // The failed allocation is unreachable once we are here: there is room again for one line.
            return resourceError(log, events, OUT_OF_MEMORY + maxHeapMiB() + " MiB)");
        } catch (StackOverflowError e) {
            return resourceError(log, events, STACK_OVERFLOW);
        }
    }

    private static void traceInvocation(Log log, Invocation invocation) {
        log.debug("COMMAND=" + (invocation.versionFlag() && invocation.positionals().isEmpty() ? "version" : invocation.command()));
        // which JVM flags the launcher chose (a big package gets C2): /proc/self/cmdline, no management beans
        log.debug("jvm: " + String.join(" ", ProcessHandle.current().info().arguments().orElse(new String[0])));
        log.debug("arguments: positionals=" + invocation.positionals() + " tgz=" + invocation.value(Flag.TGZ) + " env-file="
                + invocation.value(Flag.ENV_FILE) + " output=" + invocation.value(Flag.OUTPUT) + " profile="
                + invocation.value(Flag.PROFILE) + " dry-run=" + invocation.has(Flag.DRY_RUN) + " json=" + invocation.json());
    }

    static final String OUT_OF_MEMORY = "internal error: the engine ran out of memory (heap limit ";
    static final String STACK_OVERFLOW = "internal error: the input is nested too deeply for the engine (stack overflow)";

    /** One ERROR line for an exhausted JVM resource, never a trace: the input, not the engine, is the likely cause. */
    private static int resourceError(Log log, OperationEvents events, String message) {
        log.error(message);
        try {
            events.completed(EngineException.RUNTIME, "internal error");
        } catch (RuntimeException | Error ignored) {
            // the ERROR line is what matters
        }
        return EngineException.RUNTIME;
    }

    static long maxHeapMiB() {
        return Runtime.getRuntime().maxMemory() / (1024 * 1024);
    }

    private int internalError(Log log, OperationEvents events, String summary, RuntimeException e) {
        log.error("internal error: " + summary);
        if (log.debugEnabled()) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            for (String line : trace.toString().split("\n")) {
                log.debug(line);
            }
        }
        events.completed(EngineException.RUNTIME, "internal error");
        return EngineException.RUNTIME;
    }

    private boolean surfaceFromEnvOnly() {
        try {
            return Release.load(installRoot, env, message -> { }).packageOnly();
        } catch (RuntimeException e) {
            return "package-only".equals(env.get("PK3S_INFRA_RUNTIME_SURFACE"));
        }
    }
}
