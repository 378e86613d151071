package io.productivek3s.infra.catalog;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar for long downloads on a terminal: nothing is drawn during the first second (short
 * downloads stay quiet), then the line is redrawn in place at most ten times a second.
 */
public final class ProgressBar implements Progress {
    private static final long DELAY_NANOS = 1_000_000_000L;
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int WIDTH = 30;

    private final PrintStream stream;
    private final String label;
    private final long total;
    private final LongSupplier nanoTime;
    private final long started;
    private long lastDraw;
    private long latest;
    private long drawnBytes = -1;

    ProgressBar(PrintStream stream, String label, long total, LongSupplier nanoTime) {
        this.stream = stream;
        this.label = label;
        this.total = total;
        this.nanoTime = nanoTime;
        this.started = nanoTime.getAsLong();
    }

    /** Bars on {@code stream} when {@code enabled} (a terminal), otherwise no output at all. */
    public static Factory factory(PrintStream stream, boolean enabled) {
        if (!enabled) {
            return Factory.NONE;
        }
        return (label, totalBytes) -> new ProgressBar(stream, label, totalBytes, System::nanoTime);
    }

    @Override
    public void update(long bytes) {
        latest = bytes;
        long now = nanoTime.getAsLong();
        if (now - started < DELAY_NANOS || (drawnBytes >= 0 && now - lastDraw < REDRAW_NANOS)) {
            return;
        }
        lastDraw = now;
        draw(bytes);
    }

    /** Shows the final count (a throttled last update would leave it behind), then ends the line. */
    @Override
    public void finish() {
        if (drawnBytes < 0) {
            return;
        }
        if (drawnBytes != latest) {
            draw(latest);
        }
        stream.println();
        stream.flush();
    }

    private void draw(long bytes) {
        drawnBytes = bytes;
        stream.print("\r" + render(bytes));
        stream.flush();
    }

    String render(long bytes) {
        if (total <= 0) {
            return label + " " + mib(bytes) + " MiB";
        }
        long clamped = Math.min(bytes, total);
        int filled = (int) (WIDTH * clamped / total);
        return label + " [" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] "
                + String.format(Locale.ROOT, "%3d%%", 100 * clamped / total) + " " + mib(clamped) + "/" + mib(total) + " MiB";
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
    }
}
