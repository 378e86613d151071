package io.productivek3s.infra.state.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.FsClock;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StoredRevision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local driver's heads memo (docs/state.md "Heads memo"): a listing reads a record again whenever its directory or
 * file changed, however the change kept its modification time, and the memo gives exactly what the records give.
 */
class HeadsMemoTest {
    private static final String SUMMARY = "{\n  \"schema_version\": \"1\",\n  \"profile\": {\"name\": \"demo\"},\n"
            + "  \"last_action\": {\"command\": \"install\", \"result\": \"success\", \"exit_code\": 0,\n"
            + "    \"started_at\": \"2026-11-28T10:00:00Z\", \"finished_at\": \"2026-11-28T10:00:05.250Z\"}\n}\n";

    @TempDir
    Path tmp;

    private LocalDriver driver() {
        return LocalDriver.open(tmp.resolve("state"));
    }

    private Path memoFile() {
        return tmp.resolve("state/.history/heads.memo");
    }

    private Path record(String name, long n) {
        return tmp.resolve("state/.history/revisions/" + name + "/" + n + ".json");
    }

    @Test
    void aWarmListingGivesWhatTheRecordsGiveAndTheMemoHoldsOnlyTheLastActionOfASummary() throws Exception {
        LocalDriver d = driver();
        append(d, "alpha", 1, SUMMARY, "1.0.0");
        append(d, "beta", 1, "not json: kept whole", "1.0.0");
        append(d, "gamma", 1, "{\"schema_version\":\"1\"}", "1.0.0");
        List<StateDriver.Head> cold = d.heads();
        List<StateDriver.Head> warm = warm(d, 3);

        assertThat(warm).extracting(StateDriver.Head::info).isEqualTo(cold.stream().map(StateDriver.Head::info).toList());
        for (int i = 0; i < cold.size(); i++) {
            assertThat(listed(warm.get(i))).isEqualTo(listed(cold.get(i)));
        }
        assertThat(warm.get(0).lastAction().command()).isEqualTo("install");
        assertThat(warm.get(0).summary()).isEmpty(); // the memo holds the last action, not the summary
        assertThat(warm.get(1).summary()).asString(StandardCharsets.UTF_8).isEqualTo("not json: kept whole");
        assertThat(warm.get(2).lastAction()).isNull();
        assertThat(Files.readString(memoFile())).doesNotContain("demo\"").contains("install");
    }

    @Test
    void aRecordEditedInPlaceWithItsModificationTimePutBackIsReadAgain() throws Exception {
        LocalDriver d = driver();
        append(d, "alpha", 1, SUMMARY, "1.0.0");
        warm(d, 1);
        Path file = record("alpha", 1);
        FileTime mtime = Files.getLastModifiedTime(file);
        String text = Files.readString(file);
        assertThat(text).contains("\"1.0.0\"");
        file.toFile().setWritable(true, true);
        Files.writeString(file, text.replace("\"1.0.0\"", "\"9.9.9\"")); // same size, same inode
        Files.setLastModifiedTime(file, mtime);
        file.toFile().setWritable(false, false);

        assertThat(d.heads()).singleElement().satisfies(h -> assertThat(h.info().profileVersion()).isEqualTo("9.9.9"));
    }

    @Test
    void aMemoThatVouchesIsUsedAndOneThatDoesNotIsNot() throws Exception {
        LocalDriver d = driver();
        append(d, "alpha", 1, SUMMARY, "1.0.0");
        warm(d, 1);
        String memo = Files.readString(memoFile());
        // the memo's own entry, with another version: a vouching entry is what a listing shows
        Files.writeString(memoFile(), memo.replace("=1.0.0", "=7.7.7"));
        assertThat(d.heads()).singleElement().satisfies(h -> assertThat(h.info().profileVersion()).isEqualTo("7.7.7"));

        // the same entry, stamped no later than the record's change time: racy, never trusted
        FileIdentity id = FileIdentity.read(record("alpha", 1));
        String line = memo.lines().filter(l -> l.startsWith("alpha\t")).findFirst().orElseThrow();
        String[] f = line.split("\t", -1);
        f[4] = Long.toString(id.ctimeNanos());
        Files.writeString(memoFile(), HeadsMemo.HEADER + "\n" + String.join("\t", f).replace("=1.0.0", "=7.7.7") + "\n");
        assertThat(d.heads()).singleElement().satisfies(h -> assertThat(h.info().profileVersion()).isEqualTo("1.0.0"));
    }

    @Test
    void aNewRecordAGarbledMemoAndALinkInPlaceOfTheMemoAreNoShortcut() throws Exception {
        LocalDriver d = driver();
        append(d, "alpha", 1, SUMMARY, "1.0.0");
        warm(d, 1);
        d.append("alpha", OptionalLong.of(1), revision("alpha", 2, SUMMARY, "2.0.0"), Set.of(), Fence.NONE);
        assertThat(d.heads()).singleElement().satisfies(h -> assertThat(h.info().revision()).isEqualTo(2));

        Files.writeString(memoFile(), HeadsMemo.HEADER + "\nalpha\tgarbage\n\u0000\n");
        assertThat(d.heads()).singleElement().satisfies(h -> assertThat(h.info().profileVersion()).isEqualTo("2.0.0"));

        // a forged memo behind a link is not read, and the clock is never written through a link
        warm(d, 1);
        Path forged = tmp.resolve("forged");
        Files.writeString(forged, Files.readString(memoFile()).replace("=2.0.0", "=6.6.6"));
        Files.delete(memoFile());
        Files.createSymbolicLink(memoFile(), forged);
        Path outside = Files.writeString(tmp.resolve("outside"), "keep me");
        Path clock = tmp.resolve("state/.history/heads.clock");
        Files.delete(clock);
        Files.createSymbolicLink(clock, outside);
        assertThat(d.heads()).singleElement().satisfies(h -> assertThat(h.info().profileVersion()).isEqualTo("2.0.0"));
        assertThat(Files.readString(outside)).isEqualTo("keep me");
        assertThat(Files.readString(forged)).contains("=6.6.6");
    }

    @Test
    void everyLineRoundTripsAndAnyOtherTextIsNoEntry() throws Exception {
        Random random = new Random(17);
        FileIdentity dir = new FileIdentity(1, 2, 4096, 10, 11, 040700);
        FileIdentity file = new FileIdentity(1, 3, 900, 12, 13, 0100400);
        String[] texts = {null, "", "a b", "é ü", "x=y", "-", "=", "\u00a0"};
        for (int i = 0; i < 500; i++) {
            RevisionInfo info = new RevisionInfo("n" + i, random.nextInt(1000), Instant.ofEpochSecond(
                    random.nextInt(2_000_000_000), random.nextInt(1_000_000_000)), pick(random, texts),
                    pick(random, texts), pick(random, texts), random.nextBoolean() ? null : random.nextInt(),
                    pick(random, texts), pick(random, texts), pick(random, texts), pick(random, texts),
                    random.nextLong(), random.nextLong(), random.nextBoolean());
            EngineState.LastAction action = random.nextInt(3) == 0 ? null : new EngineState.LastAction(
                    pick(random, texts), random.nextBoolean() ? null : EngineState.Result.values()[random.nextInt(
                    EngineState.Result.values().length)], random.nextBoolean() ? null : random.nextInt(),
                    random.nextBoolean() ? null : Instant.ofEpochMilli(random.nextLong() >>> 22), null);
            byte[] summary = action == null && random.nextBoolean() ? new byte[] {0, 1, (byte) 0xff} : new byte[0];
            HeadsMemo.Entry entry = new HeadsMemo.Entry(dir, i, file, 99, new StateDriver.Head(info, summary, action));
            HeadsMemo.Entry back = HeadsMemo.decode(HeadsMemo.encode("n" + i, entry)).orElseThrow();
            assertThat(back.head().info()).isEqualTo(info);
            assertThat(back.head().lastAction()).isEqualTo(action);
            assertThat(back.head().summary()).isEqualTo(summary);
            assertThat(back.directory()).isEqualTo(dir);
            assertThat(back.record()).isEqualTo(file);
            assertThat(back.number()).isEqualTo(i);
            assertThat(back.knownBefore()).isEqualTo(99);
            String line = HeadsMemo.encode("n" + i, entry);
            assertThat(HeadsMemo.decode(line + "\textra")).as("one field too many").isEmpty();
            assertThat(HeadsMemo.decode(line.substring(0, line.lastIndexOf('\t')))).as("one too few").isEmpty();
            assertThat(HeadsMemo.decode(line.replaceFirst("\t[0-9]+ ", "\tx "))).as("a bad identity").isEmpty();
        }
        for (String line : List.of("", "alpha", "alpha\t1 2 3", "alpha" + "\tx".repeat(25))) {
            assertThat(HeadsMemo.decode(line)).isEmpty();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** Heads once the clock has moved past every record's change time, so that the memo can vouch for them all. */
    private List<StateDriver.Head> warm(LocalDriver d, int names) throws Exception {
        FsClock clock = new FsClock(tmp.resolve("state/.history/test.clock"));
        long newest = 0;
        try (var files = Files.walk(tmp.resolve("state/.history/revisions"))) {
            for (Path p : files.toList()) {
                FileIdentity id = FileIdentity.read(p);
                newest = Math.max(newest, Math.max(id.ctimeNanos(), id.mtimeNanos()));
            }
        }
        assertThat(clock.after(newest)).isPresent();
        d.heads(); // writes the memo, stamped after every change
        assertThat(Files.readString(memoFile()).lines().count()).isEqualTo(names + 1);
        return d.heads();
    }

    private static void append(LocalDriver d, String name, long n, String summary, String version) throws IOException {
        d.append(name, OptionalLong.empty(), revision(name, n, summary, version), Set.of(), Fence.NONE);
    }

    private static StoredRevision revision(String name, long n, String summary, String version) {
        RevisionInfo info = new RevisionInfo(name, n, Instant.parse("2026-11-28T10:00:00Z").plusSeconds(n),
                "alice@a", "profile", "success", 0, "demo", version, null, "ab".repeat(32), 1, 7, false);
        return new StoredRevision(info, summary.getBytes(StandardCharsets.UTF_8),
                ("payload-" + n).getBytes(StandardCharsets.UTF_8));
    }

    /** What a listing shows of a head's summary: its last action, read as the layer reads it. */
    private static Optional<EngineState.LastAction> listed(StateDriver.Head head) {
        if (head.lastAction() != null) {
            return Optional.of(head.lastAction());
        }
        try {
            return EngineState.lastActionFromJson(head.summary());
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }
}
