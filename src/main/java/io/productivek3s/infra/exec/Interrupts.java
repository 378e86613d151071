package io.productivek3s.infra.exec;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT/SIGTERM for the side-effect phase of a package run (docs/contract/runs.md#signals): from the state lock to the end, a
 * signal no longer stops the JVM; it is recorded, forwarded to the running child, and the run finishes its state
 * handling so the record says {@code interrupted} whatever the phase was (child, persist, removal). A second signal
 * ends the engine at once: the user insists, and state writes are each atomic.
 *
 * <p>Once the run has {@link #settle settled} (its record is final), a signal still ends the engine at once (a
 * Ctrl-C during the telemetry exit wait must work), but first says so: the exit code 128+S then stands beside a
 * record that rightly says the run itself finished, and the line explains the difference.
 */
public final class Interrupts implements AutoCloseable {
    /** 0: none yet; 2 or 15: the first signal; {@link #SETTLED}: settled with none. */
    private final AtomicInteger received = new AtomicInteger();
    private volatile Consumer<String> late = name -> { };
    private static final int SETTLED = -1;
    private final CountDownLatch first = new CountDownLatch(1);
    private final SignalHandler previousInt;
    private final SignalHandler previousTerm;
    private volatile Consumer<String> forward = name -> { };

    private Interrupts() {
        previousInt = install("INT", 2);
        previousTerm = install("TERM", 15);
    }

    /** Starts recording; close to give the signals back to the JVM's default handling. */
    public static Interrupts install() {
        return new Interrupts();
    }

    /** The first signal received (2 or 15), 0 if none. */
    public int received() {
        return Math.max(0, received.get());
    }

    /**
     * Decides the run's outcome: returns the signal received so far (0 if none). A signal from now on is late: it
     * ends the engine at once, after {@code onLate} has been told its name ({@code INT} or {@code TERM}).
     */
    public int settle(Consumer<String> onLate) {
        late = onLate;
        return received.compareAndSet(0, SETTLED) ? 0 : received();
    }

    /**
     * Waits up to {@code millis} for a signal. A Ctrl-C reaches the child and the engine together; the child can
     * exit before the JVM's signal thread has run, and without this wait the same Ctrl-C would be recorded as a
     * failure or as an interruption depending on that race.
     */
    public int awaitSignal(long millis) {
        try {
            first.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return received();
    }

    /** Where signals go while a child runs; {@code null} when none does. */
    void forwardTo(Consumer<String> target) {
        forward = target == null ? name -> { } : target;
    }

    private SignalHandler install(String name, int number) {
        try {
            return Signal.handle(new Signal(name), signal -> {
                if (received.get() == SETTLED) {
                    late.accept(name);
                    Runtime.getRuntime().exit(128 + number);
                    return;
                }
                if (!received.compareAndSet(0, number)) {
                    Runtime.getRuntime().exit(128 + number);
                    return;
                }
                first.countDown();
                forward.accept(name);
            });
        } catch (IllegalArgumentException e) {
            return null; // signal not available on this platform
        }
    }

    @Override
    public void close() {
        if (received.get() == SETTLED) {
            return; // keep announcing late signals until the process exits (see settle)
        }
        restore("INT", previousInt);
        restore("TERM", previousTerm);
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
}
