package io.productivek3s.infra.log;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.util.Json;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Operation events for {@code --events ndjson} (docs/contract/output.md#operation-events): one compact JSON object per line on stdout.
 * Disabled instances do nothing, so actions emit unconditionally. A run that emitted {@code operation.started}
 * always ends with exactly one {@code operation.completed}.
 */
public final class OperationEvents {
    public static final String SCHEMA = "productive-k3s-operation-event/v1";

    private final PrintStream out;
    private final boolean enabled;
    private final Clock clock;
    private final Redactor redactor;
    private String operation;
    private String subject = "";
    private boolean open;

    public OperationEvents(PrintStream out, boolean enabled, Clock clock, Redactor redactor) {
        this.out = out;
        this.enabled = enabled;
        this.clock = clock;
        this.redactor = redactor;
    }

    /**
     * Events that are never written. Every command holds one until its arguments are parsed, so it makes no stream,
     * clock or redactor: a disabled instance returns before it would use them, and {@code Clock.systemUTC()} alone
     * initialises ~15 java.time and VarHandle classes that {@code version} never needs (docs/performance.md
     * "Round 7").
     */
    public static OperationEvents disabled() {
        return new OperationEvents(null, false, null, null);
    }

    public synchronized void started(String operation, String subject) {
        if (open) {
            return;
        }
        this.operation = operation;
        this.subject = subject == null ? "" : subject;
        this.open = true;
        emit("operation.started", "running", "started " + operation);
    }

    public synchronized void subject(String subject) {
        this.subject = subject;
    }

    public synchronized void step(String step, String status, String message) {
        if (open) {
            emit(step, status, message);
        }
    }

    /** Ends the run; the event carries the exit code the engine is about to return, 0 on success. */
    public synchronized void completed(int exitCode, String message) {
        if (!open) {
            return;
        }
        emit("operation.completed", exitCode == 0 ? "success" : "failed", message, exitCode);
        open = false;
    }

    public synchronized boolean isOpen() {
        return open;
    }

    private void emit(String step, String status, String message) {
        emit(step, status, message, null);
    }

    private void emit(String step, String status, String message, Integer exitCode) {
        if (!enabled) {
            return;
        }
        String line = EventLine.of(operation, step, status, redactor.redact(message == null ? "" : message),
                redactor.redact(subject), Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString(), exitCode);
        synchronized (out) {
            out.print(line + "\n");
            out.flush();
        }
    }

    /**
     * The event as one compact JSON line. A class of its own so that loading OperationEvents, which every command
     * does, does not load Jackson: the verifier loads the node types a method passes around (docs/performance.md
     * "What the engine loads before main returns").
     */
    private static final class EventLine {
        static String of(String operation, String step, String status, String message, String subject, String emittedAt,
                Integer exitCode) {
            ObjectNode event = Json.object();
            event.put("schema_version", SCHEMA);
            event.put("component", "infra");
            event.put("operation", operation);
            event.put("step", step);
            event.put("status", status);
            event.put("message", message);
            event.put("subject", subject);
            event.put("emitted_at", emittedAt);
            if (exitCode != null) {
                event.put("exit_code", exitCode);
            }
            return Json.compact(event);
        }
    }
}
