package io.productivek3s.infra.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong now = new AtomicLong();

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shortDownloadsDrawNothing() {
        ProgressBar bar = new ProgressBar(stream, "x.tgz", 1000, now::get);
        now.set(900_000_000L);
        bar.update(1000);
        bar.finish();
        assertThat(output()).isEmpty();
    }

    @Test
    void longDownloadsRedrawInPlaceAndEndWithANewline() {
        ProgressBar bar = new ProgressBar(stream, "x.tgz", 4 * 1024 * 1024, now::get);
        now.set(1_500_000_000L);
        bar.update(1024 * 1024);
        now.addAndGet(10_000_000L);
        bar.update(2 * 1024 * 1024); // throttled: within 100 ms of the last draw
        now.addAndGet(200_000_000L);
        bar.update(4 * 1024 * 1024);
        bar.finish();
        assertThat(output()).isEqualTo("\rx.tgz [#######-----------------------]  25% 1.0/4.0 MiB"
                + "\rx.tgz [##############################] 100% 4.0/4.0 MiB" + System.lineSeparator());
    }

    @Test
    void theFinalCountIsShownEvenWhenTheLastUpdateWasThrottled() {
        ProgressBar bar = new ProgressBar(stream, "x", 2 * 1024 * 1024, now::get);
        now.set(2_000_000_000L);
        bar.update(1024 * 1024);
        bar.update(2 * 1024 * 1024);
        bar.finish();
        assertThat(output()).endsWith("\rx [##############################] 100% 2.0/2.0 MiB" + System.lineSeparator());
    }

    @Test
    void unknownSizeShowsBytesOnly() {
        assertThat(new ProgressBar(stream, "x", -1, now::get).render(3 * 1024 * 1024 / 2)).isEqualTo("x 1.5 MiB");
    }

    @Test
    void disabledFactoryIsSilent() {
        Progress progress = ProgressBar.factory(stream, false).start("x", 10);
        progress.update(10);
        progress.finish();
        assertThat(output()).isEmpty();
    }
}
