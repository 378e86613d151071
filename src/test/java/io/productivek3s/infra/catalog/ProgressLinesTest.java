package io.productivek3s.infra.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressLinesTest {
    private static final long MIB = 1024 * 1024;
    private final List<String> lines = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000L);

    @Test
    void aFastDownloadPrintsNothing() {
        ProgressLines progress = new ProgressLines(lines::add, "x.tgz", 120 * MIB, now::get);
        now.addAndGet(4_900_000_000L);
        progress.update(120 * MIB);
        progress.finish();
        assertThat(lines).isEmpty();
    }

    @Test
    void aLongDownloadPrintsAPlainLineEveryFiveSeconds() {
        ProgressLines progress = new ProgressLines(lines::add, "x.tgz", 120 * MIB, now::get);
        for (int second = 1; second <= 12; second++) {
            now.addAndGet(1_000_000_000L);
            progress.update(10 * MIB * second);
        }
        progress.finish();
        assertThat(lines).containsExactly("downloading x.tgz: 50.0 MiB of 120.0 MiB", "downloading x.tgz: 100.0 MiB of 120.0 MiB");
    }

    @Test
    void anUnannouncedSizeShowsTheCountOnly() {
        ProgressLines progress = new ProgressLines(lines::add, "x.tgz", -1, now::get);
        now.addAndGet(6_000_000_000L);
        progress.update(3 * MIB / 2);
        assertThat(lines).containsExactly("downloading x.tgz: 1.5 MiB");
    }
}
