package io.productivek3s.infra.catalog;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Progress of a long download when stderr is no terminal (CI logs, {@code 2> file}): a bar redrawn with carriage
 * returns would be noise there, and silence looks like a hang. So one plain line every five seconds, the first after
 * five seconds: a fast download prints nothing.
 */
public final class ProgressLines implements Progress {
    static final long INTERVAL_NANOS = 5_000_000_000L;

    private final Consumer<String> lines;
    private final String label;
    private final long total;
    private final LongSupplier nanoTime;
    private long next;

    ProgressLines(Consumer<String> lines, String label, long total, LongSupplier nanoTime) {
        this.lines = lines;
        this.label = label;
        this.total = total;
        this.nanoTime = nanoTime;
        this.next = nanoTime.getAsLong() + INTERVAL_NANOS;
    }

    /** @param lines receives each line (the engine logs it as INFO on stderr) */
    public static Factory factory(Consumer<String> lines) {
        return (label, totalBytes) -> new ProgressLines(lines, label, totalBytes, System::nanoTime);
    }

    @Override
    public void update(long bytes) {
        long now = nanoTime.getAsLong();
        if (now - next >= 0) {
            next = now + INTERVAL_NANOS;
            lines.accept(render(bytes));
        }
    }

    /** Nothing: the caller says what became of the download. */
    @Override
    public void finish() {
    }

    String render(long bytes) {
        return "downloading " + label + ": " + ProgressBar.mib(total > 0 ? Math.min(bytes, total) : bytes) + " MiB"
                + (total > 0 ? " of " + ProgressBar.mib(total) + " MiB" : "");
    }
}
