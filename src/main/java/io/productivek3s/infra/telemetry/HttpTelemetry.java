package io.productivek3s.infra.telemetry;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.state.StateDirResolver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engine's telemetry (docs/telemetry.md): consent from {@code TELEMETRY_ENABLED}, a user-authored file, or the
 * terminal prompt (non-interactive runs default to off); {@code infra.command.started} delivered in the background
 * while the action runs, {@code infra.command.completed} at the end, and at most {@link TelemetryConfig#exitBudget()}
 * of waiting before undelivered events go to the outbox. Read-only and dry-run commands never prompt or send.
 * Nothing here changes the command's output or exit code: failures are DEBUG lines.
 */
public final class HttpTelemetry implements Telemetry {
    private final Map<String, String> env;
    private final Log log;
    private final Clock clock;
    private final String engineVersion;
    private final Path callerBaseDir;
    private final ConsentPrompt prompt;
    private final AtomicReference<Active> active = new AtomicReference<>();

    /** The one begun emitting run of this process, until {@link #end} completes it. */
    private record Active(TelemetryRun run, Command command, long startNanos, Optional<Deliveries> deliveries, Duration budget) {
    }

    /**
     * @param env           the engine's process environment (delivery settings come from here only, see
     *                      {@link TelemetryConfig})
     * @param callerBaseDir base of a relative {@code TELEMETRY_OUTBOX_DIR}
     */
    public HttpTelemetry(Map<String, String> env, Log log, Clock clock, String engineVersion, Path callerBaseDir,
            ConsentPrompt prompt) {
        this.env = env;
        this.log = log;
        this.clock = clock;
        this.engineVersion = engineVersion;
        this.callerBaseDir = callerBaseDir;
        this.prompt = prompt;
    }

    @Override
    public TelemetryRun begin(Command command, Optional<String> userFileValue, boolean emitting) {
        String processValue = env.get("TELEMETRY_ENABLED");
        Optional<Boolean> explicit = new ConsentResolver(log).explicit(processValue, userFileValue);
        if (!emitting) {
            log.debug("telemetry: read-only or dry-run command: no prompt, no events; children get TELEMETRY_ENABLED="
                    + explicit.map(String::valueOf).orElse("(unset)"));
            return TelemetryRun.create(explicit, env, false);
        }
        boolean enabled;
        String source;
        if (explicit.isPresent()) {
            enabled = explicit.get();
            source = processValue != null && !processValue.isEmpty() ? "TELEMETRY_ENABLED" : "override env file";
        } else {
            Optional<Boolean> answer = prompt.ask();
            enabled = answer.orElse(false);
            source = answer.isPresent() ? "prompt" : "not interactive, default";
        }
        TelemetryRun run = TelemetryRun.create(Optional.of(enabled), env, true);
        log.debug("telemetry: enabled=" + enabled + " (" + source + "), session_id=" + run.sessionId() + ", run_id="
                + run.runId().orElse("") + ", parent_run_id=" + run.parentRunId());
        Optional<Deliveries> deliveries = Optional.empty();
        Duration budget = Duration.ZERO;
        if (enabled) {
            try {
                TelemetryConfig config = TelemetryConfig.from(env, engineVersion);
                log.debug("telemetry: endpoint " + config.endpointNote());
                if (config.endpoint().isPresent()) {
                    deliveries = Optional.of(startDeliveries(config, command, run));
                    budget = config.exitBudget();
                }
            } catch (RuntimeException e) {
                log.debug("telemetry: delivery not started: " + e);
            }
        }
        active.set(new Active(run, command, System.nanoTime(), deliveries, budget));
        return run;
    }

    @Override
    public void end(TelemetryRun run, int exitCode) {
        Active current = active.get();
        if (!run.emitting() || current == null || current.run() != run || !active.compareAndSet(current, null)) {
            return;
        }
        long durationMs = Duration.ofNanos(System.nanoTime() - current.startNanos()).toMillis();
        EventDocument completed = EventDocument.completed(current.command(), run, exitCode, ZonedDateTime.now(clock));
        // Exit code and duration are not schema-1 fields (docs/telemetry.md#what-is-sent); they stay local: here and in outbox status records.
        log.debug("telemetry: " + EventDocument.COMPLETED + " result=" + completed.result() + " exit_code=" + exitCode
                + " duration_ms=" + durationMs + (current.deliveries().isEmpty() ? " (not sent)" : ""));
        current.deliveries().ifPresent(deliveries -> {
            try {
                deliveries.send(completed, Map.of("exit_code", String.valueOf(exitCode), "duration_ms", String.valueOf(durationMs)));
                deliveries.drain(current.budget());
            } catch (RuntimeException e) {
                log.debug("telemetry: completion not delivered: " + e);
            }
        });
    }

    private Deliveries startDeliveries(TelemetryConfig config, Command command, TelemetryRun run) {
        ExecutorService executor = Executors.newCachedThreadPool(daemonThreads());
        Optional<Outbox> outbox = Outbox.locate(env, callerBaseDir, this::stateDir).map(dir -> new Outbox(dir, clock));
        log.debug("telemetry: outbox " + outbox.map(box -> box.directory().toString()).orElse("unavailable"));
        Deliveries deliveries = new Deliveries(new TelemetrySender(config, executor), outbox, log, executor);
        deliveries.replay(run.runId().orElse(""));
        deliveries.send(EventDocument.started(command, run, ZonedDateTime.now(clock)), Map.of());
        return deliveries;
    }

    /** Last-resort outbox parent: the profile state directory, when it can be resolved. */
    private Optional<Path> stateDir() {
        try {
            return Optional.of(new StateDirResolver(env, callerBaseDir, message -> { }).resolve());
        } catch (EngineException e) {
            return Optional.empty();
        }
    }

    /** Daemon threads: a hung request can never keep the engine process alive. */
    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "pk3s-telemetry-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
