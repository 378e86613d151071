package io.productivek3s.infra.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @TempDir
    Path tmp;

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void storesOnePrivateRecordPairPerEvent() throws Exception {
        Path dir = tmp.resolve("a/b/outbox");
        Outbox outbox = new Outbox(dir, clock);
        outbox.store("run1", EventDocument.COMPLETED, "{\"x\":1}", new DeliveryOutcome(false, 3, 22, 500),
                Map.of("exit_code", "7"));
        Path payload = dir.resolve("event-run1-infra.command.completed-attempt-3.json");
        Path status = dir.resolve("event-run1-infra.command.completed-attempt-3.status");
        assertThat(payload).hasContent("{\"x\":1}");
        assertThat(Files.readAllLines(status)).containsExactly("attempt=3", "curl_exit=22", "http_status=500",
                "recorded_at=2026-11-25T12:00:00+00:00", "exit_code=7");
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(mode(payload)).isEqualTo("rw-------");
        assertThat(mode(status)).isEqualTo("rw-------");

        outbox.store("run1", EventDocument.COMPLETED, "{\"x\":1}", new DeliveryOutcome(false, 1, 28, 0), Map.of());
        assertThat(names(dir)).containsExactly("event-run1-infra.command.completed-attempt-1.json",
                "event-run1-infra.command.completed-attempt-1.status");
        assertThat(Files.readAllLines(dir.resolve("event-run1-infra.command.completed-attempt-1.status"))).contains("http_status=");

        outbox.store("run1", EventDocument.STARTED, "{}", new DeliveryOutcome(false, 1, 7, 0), Map.of());
        assertThat(names(dir)).hasSize(4);
        outbox.delete("run1", EventDocument.COMPLETED);
        assertThat(names(dir)).containsExactly("event-run1-infra.command.started-attempt-1.json",
                "event-run1-infra.command.started-attempt-1.status");
    }

    @Test
    void boundedCountDropsTheOldestAndOversizedPayloadsAreRefused() throws Exception {
        Outbox outbox = new Outbox(tmp, clock);
        for (int i = 0; i < Outbox.MAX_RECORDS + 5; i++) {
            outbox.store(String.format("r%03d", i), EventDocument.STARTED, "{}", new DeliveryOutcome(false, 1, 7, 0), Map.of());
            Files.setLastModifiedTime(tmp.resolve(String.format("event-r%03d-infra.command.started-attempt-1.json", i)),
                    FileTime.from(NOW.minusSeconds(1000 - i)));
        }
        List<String> payloads = names(tmp).stream().filter(name -> name.endsWith(".json")).toList();
        assertThat(payloads).hasSize(Outbox.MAX_RECORDS).first().asString().startsWith("event-r005-");
        assertThat(names(tmp)).hasSize(2 * Outbox.MAX_RECORDS);
        assertThatThrownBy(() -> outbox.store("big", EventDocument.STARTED, "x".repeat(Outbox.MAX_PAYLOAD_BYTES + 1),
                new DeliveryOutcome(false, 1, 7, 0), Map.of())).isInstanceOf(IOException.class);
    }

    @Test
    void pendingIsOldestFirstAtMostTwentyAndExpiredRecordsAreDeleted() throws Exception {
        Outbox outbox = new Outbox(tmp, clock);
        for (int i = 0; i < 25; i++) {
            outbox.store("r" + i, EventDocument.STARTED, "{\"i\":" + i + "}", new DeliveryOutcome(false, 2, 7, 0), Map.of());
            Files.setLastModifiedTime(tmp.resolve("event-r" + i + "-infra.command.started-attempt-2.json"),
                    FileTime.from(NOW.minus(Duration.ofDays(40)).plus(Duration.ofDays(i * 2L))));
        }
        outbox.store("r25", EventDocument.STARTED, "{}", new DeliveryOutcome(false, 1, 7, 0), Map.of());
        Files.setLastModifiedTime(tmp.resolve("event-r25-infra.command.started-attempt-1.json"), FileTime.from(NOW.plus(Duration.ofDays(20))));
        List<Outbox.Record> pending = outbox.pending();
        // r0..r4 are 40..32 days old and are deleted unsent; r5 (exactly 30 days) is the oldest pending one
        assertThat(pending).hasSize(20);
        assertThat(pending.get(0).runId()).isEqualTo("r5");
        assertThat(pending.get(0).eventName()).isEqualTo(EventDocument.STARTED);
        assertThat(pending.get(0).attempts()).isEqualTo(2);
        assertThat(pending.get(0).body()).isEqualTo("{\"i\":5}");
        assertThat(pending).extracting(Outbox.Record::runId).doesNotContain("r0", "r4", "r25").contains("r24");
        assertThat(tmp.resolve("event-r4-infra.command.started-attempt-2.json")).doesNotExist();
        assertThat(tmp.resolve("event-r4-infra.command.started-attempt-2.status")).doesNotExist();
        assertThat(tmp.resolve("event-r25-infra.command.started-attempt-1.json")).exists();
    }

    @Test
    void aFailedReplayRaisesTheAttemptCountAndKeepsAgeAndExtras() throws Exception {
        Outbox outbox = new Outbox(tmp, clock);
        outbox.store("r1", EventDocument.COMPLETED, "{}", new DeliveryOutcome(false, 3, 7, 0), Map.of("duration_ms", "12"));
        FileTime age = FileTime.from(NOW.minus(Duration.ofDays(3)));
        Files.setLastModifiedTime(tmp.resolve("event-r1-infra.command.completed-attempt-3.json"), age);
        outbox.retried(outbox.pending().get(0), new DeliveryOutcome(false, 2, 22, 503));
        Path payload = tmp.resolve("event-r1-infra.command.completed-attempt-5.json");
        assertThat(Files.getLastModifiedTime(payload)).isEqualTo(age);
        assertThat(Files.readAllLines(tmp.resolve("event-r1-infra.command.completed-attempt-5.status")))
                .containsExactly("attempt=5", "curl_exit=22", "http_status=503", "recorded_at=2026-11-25T12:00:00+00:00", "duration_ms=12");
        assertThat(names(tmp)).hasSize(2);
        outbox.delivered(outbox.pending().get(0));
        assertThat(names(tmp)).isEmpty();
    }

    @Test
    void onlyRegularWellFormedJsonRecordsAreReplayed() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "{\"password\":\"x\"}");
        Path dir = Files.createDirectories(tmp.resolve("box"));
        Files.createSymbolicLink(dir.resolve("event-r1-infra.command.started-attempt-1.json"), secret);
        Files.writeString(dir.resolve("event-r2-infra.command.started-attempt-1.json"), "not json");
        Files.writeString(dir.resolve("unrelated.json"), "{}");
        Files.writeString(dir.resolve("event-r3-infra.command.started-attempt-1.json"), "{\"ok\":true}");
        assertThat(new Outbox(dir, clock).pending()).extracting(Outbox.Record::runId).containsExactly("r3");
    }

    @Test
    void runIdsAreMadeSafeForFileNames() {
        assertThat(Outbox.safeId("../../etc/x")).isEqualTo("______etc_x");
        assertThat(Outbox.safeId("")).isEqualTo("unknown");
        assertThat(Outbox.safeId("a".repeat(100))).hasSize(64);
        assertThat(Outbox.safeId("0f3c-9a_1B")).isEqualTo("0f3c-9a_1B");
    }

    @Test
    void replayLockIsExclusive() throws Exception {
        Outbox outbox = new Outbox(tmp, clock);
        Optional<FileChannel> first = outbox.replayLock();
        assertThat(first).isPresent();
        assertThat(new Outbox(tmp, clock).replayLock()).isEmpty();
        first.get().close();
        Optional<FileChannel> again = outbox.replayLock();
        assertThat(again).isPresent();
        again.get().close();
        assertThat(new Outbox(tmp.resolve("missing"), clock).replayLock()).isEmpty();
    }

    @Test
    void locationPrecedence() throws Exception {
        Path base = Files.createDirectories(tmp.resolve("caller"));
        Path home = Files.createDirectories(tmp.resolve("home"));
        Optional<Path> none = Optional.empty();
        assertThat(Outbox.locate(Map.of("TELEMETRY_OUTBOX_DIR", "rel/box", "HOME", home.toString()), base, () -> none))
                .contains(base.resolve("rel/box"));
        assertThat(Outbox.locate(Map.of("TELEMETRY_OUTBOX_DIR", "", "XDG_CACHE_HOME", tmp.resolve("xdg").toString(), "HOME", home.toString()), base, () -> none))
                .contains(tmp.resolve("xdg/pk3s/telemetry-outbox"));
        assertThat(Outbox.locate(Map.of("HOME", home.toString()), base, () -> none)).contains(home.resolve(".cache/pk3s/telemetry-outbox"));
        // a cache "directory" that is a file cannot hold the outbox: the next candidate is used
        Path notADir = Files.writeString(tmp.resolve("file"), "");
        assertThat(Outbox.locate(Map.of("XDG_CACHE_HOME", notADir.toString(), "HOME", home.toString()), base, () -> none))
                .contains(home.resolve(".cache/pk3s/telemetry-outbox"));
        Path state = tmp.resolve("s/profiles");
        assertThat(Outbox.locate(Map.of("XDG_CACHE_HOME", notADir.toString(), "HOME", tmp.resolve("nohome").toString()), base,
                () -> Optional.of(state))).contains(tmp.resolve("s/telemetry-outbox"));
        assertThat(Outbox.locate(Map.of(), base, () -> none)).isEmpty();
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(path -> path.getFileName().toString()).filter(name -> !name.startsWith(".")).sorted().toList();
        }
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
