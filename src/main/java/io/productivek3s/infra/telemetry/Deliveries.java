package io.productivek3s.infra.telemetry;

import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.util.ShutdownHooks;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The background side of one emitting run (docs/telemetry.md#delivery, docs/telemetry.md#outbox): events and outbox replay are delivered on daemon
 * threads while the action runs; {@link #drain} waits for them at most the exit budget, then records whatever is
 * still undelivered in the outbox. Nothing here prints except DEBUG lines, and nothing throws to the caller.
 */
final class Deliveries {
    private final TelemetrySender sender;
    private final Optional<Outbox> outbox;
    private final Log log;
    private final ExecutorService executor;
    private final List<Pending> events = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopReplay = new CountDownLatch(1);
    private volatile CompletableFuture<Void> replay = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    Deliveries(TelemetrySender sender, Optional<Outbox> outbox, Log log, ExecutorService executor) {
        this.sender = sender;
        this.outbox = outbox;
        this.log = log;
        this.executor = executor;
    }

    /** Re-sends pending outbox records of earlier runs, oldest first, stopping at the first failure. */
    void replay(String currentRunId) {
        if (outbox.isEmpty()) {
            return;
        }
        Outbox box = outbox.get();
        replay = CompletableFuture.runAsync(() -> {
            Optional<FileChannel> lock = box.replayLock();
            if (lock.isEmpty()) {
                return;
            }
            try {
                for (Outbox.Record record : box.pending()) {
                    if (stopReplay.getCount() == 0) {
                        break;
                    }
                    if (record.runId().equals(Outbox.safeId(currentRunId))) {
                        continue; // this run's own events are being delivered right now
                    }
                    DeliveryOutcome outcome = sender.send(record.body(), stopReplay, attempt -> { });
                    log.debug("telemetry: replayed " + record.payload().getFileName() + ": " + outcome.describe());
                    if (outcome.delivered()) {
                        box.delivered(record);
                    } else {
                        if (outcome.attempts() > 0) {
                            box.retried(record, outcome);
                        }
                        break; // the endpoint is failing; later records wait for a later run
                    }
                }
            } catch (IOException | RuntimeException e) {
                log.debug("telemetry: outbox replay stopped: " + e.getMessage());
            } finally {
                release(lock.get());
            }
        }, executor);
    }

    /**
     * Delivers one event in the background, after the previous event of this run has settled, so receivers see
     * {@code started} before {@code completed}.
     */
    void send(EventDocument event, Map<String, String> statusExtra) {
        Pending pending = new Pending(event, statusExtra);
        events.add(pending);
        tail = tail.thenRunAsync(pending::run, executor);
    }

    /**
     * Waits until everything is delivered or {@code budget} has passed, then records what is still undelivered in the
     * outbox. A signal that ends the process during the wait still leaves the records (shutdown hook).
     */
    void drain(Duration budget) {
        Thread hook = new Thread(this::abandonAll, "pk3s-telemetry-exit");
        boolean hooked = addHook(hook);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            events.forEach(pending -> all.add(pending.done));
            all.add(replay);
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(budget.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            log.debug("telemetry: exit budget of " + budget.toSeconds() + " s used up; undelivered events go to the outbox");
        } catch (ExecutionException e) {
            log.debug("telemetry: delivery failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            abandonAll();
            if (hooked) {
                removeHook(hook);
            }
            // no interrupts: a worker may be writing an outbox record; idle daemon threads end with the process
            executor.shutdown();
        }
    }

    private static void release(FileChannel lock) {
        try {
            lock.close();
        } catch (IOException e) {
            // the lock goes with the process at the latest
        }
    }

    private void abandonAll() {
        stopReplay.countDown();
        events.forEach(Pending::abandon);
    }

    private static boolean addHook(Thread hook) {
        try {
            ShutdownHooks.add(hook);
            return true;
        } catch (IllegalStateException e) {
            return false; // already shutting down: the finally block records what is left
        }
    }

    private static void removeHook(Thread hook) {
        try {
            ShutdownHooks.remove(hook);
        } catch (IllegalStateException e) {
            // shutting down; the hook runs and finds everything settled
        }
    }

    /** One event in flight; settled exactly once, by its delivery outcome or by the exit budget. */
    private final class Pending {
        private final EventDocument event;
        private final Map<String, String> statusExtra;
        private final CountDownLatch stop = new CountDownLatch(1);
        private final AtomicInteger attempts = new AtomicInteger();
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private boolean settled;

        Pending(EventDocument event, Map<String, String> statusExtra) {
            this.event = event;
            this.statusExtra = statusExtra;
        }

        void run() {
            try {
                finish(sender.send(event.body(), stop, attempts::set));
            } catch (RuntimeException e) {
                finish(new DeliveryOutcome(false, Math.max(1, attempts.get()), DeliveryOutcome.OTHER, 0));
            } finally {
                done.complete(null);
            }
        }

        synchronized void finish(DeliveryOutcome outcome) {
            log.debug("telemetry: " + event.eventName() + " " + outcome.describe());
            if (outcome.delivered()) {
                if (settled) {
                    outbox.ifPresent(box -> quietly(() -> box.delete(event.runId(), event.eventName())));
                }
            } else if (!settled) {
                store(outcome);
            }
            settled = true;
        }

        synchronized void abandon() {
            stop.countDown();
            if (!settled) {
                // attempts made so far: 0 when the event was still waiting for the one before it
                store(new DeliveryOutcome(false, attempts.get(), DeliveryOutcome.TIMEOUT, 0));
                settled = true;
            }
        }

        private void store(DeliveryOutcome outcome) {
            if (outbox.isEmpty()) {
                log.debug("telemetry: no usable outbox directory; " + event.eventName() + " is dropped");
                return;
            }
            Outbox box = outbox.get();
            quietly(() -> {
                box.store(event.runId(), event.eventName(), event.body(), outcome, statusExtra);
                log.debug("telemetry: " + event.eventName() + " recorded in the outbox " + box.directory());
            });
        }

        private void quietly(IoAction action) {
            try {
                action.run();
            } catch (IOException | RuntimeException e) {
                log.debug("telemetry: outbox: " + e.getMessage());
            }
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }
}
