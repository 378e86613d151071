package io.productivek3s.infra.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memo's one rule (issue 17): same identity, recorded strictly before a filesystem-clock stamp. */
class DigestMemoTest {
    private static final String SHA = "a".repeat(64);
    private static final String KEY = "terraform.tfstate";

    @TempDir
    Path dir;

    FsClock clock;
    Path file;

    @BeforeEach
    void setUp() throws IOException {
        clock = new FsClock(dir.resolve(".clock"));
        file = Files.writeString(dir.resolve("terraform.tfstate"), "{\"serial\": 1}");
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_000_000L));
    }

    /** The memo of {@code file} as hashed now: the stamp is taken once the clock has passed its last change. */
    private DigestMemo hashedNow() throws IOException {
        FileIdentity seen = FileIdentity.read(file);
        FsClock.Stamp before = clock.after(seen.ctimeNanos()).orElseThrow();
        DigestMemo memo = DigestMemo.empty();
        memo.remember(KEY, seen, before, SHA);
        return memo;
    }

    @Test
    void anUntouchedFileIsTrusted() throws IOException {
        DigestMemo memo = hashedNow();
        assertThat(memo.known(KEY, file)).contains(SHA);
        assertThat(memo.hits()).isEqualTo(1);
    }

    @Test
    void aSameSizeRewriteWithTheOldMtimePutBackIsNotTrusted() throws IOException {
        DigestMemo memo = hashedNow();
        FileTime mtime = Files.getLastModifiedTime(file);
        Files.writeString(file, "{\"serial\": 2}");
        Files.setLastModifiedTime(file, mtime);
        FileIdentity now = FileIdentity.read(file);
        assertThat(now.size()).isEqualTo(13);
        assertThat(now.mtimeNanos()).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(memo.known(KEY, now)).isEmpty();
    }

    @Test
    void aFileChangedInTheTickItWasHashedInIsNeverTrusted() throws IOException {
        FileIdentity seen = FileIdentity.read(file);
        // The stamp read in the same clock tick as the file's last change: that change may be followed by another.
        FsClock.Stamp sameTick = new FsClock.Stamp(seen.device(), seen.ctimeNanos());
        DigestMemo memo = DigestMemo.empty();
        memo.remember(KEY, seen, sameTick, SHA);
        assertThat(memo.known(KEY, seen)).isEmpty();
        assertThat(memo.entry(KEY)).isEmpty();
        assertThat(DigestMemo.Entry.of(seen, sameTick, SHA)).isEmpty();
        assertThat(new DigestMemo.Entry(seen, seen.ctimeNanos(), SHA).vouchesFor(seen)).isFalse();

        // A stamp taken before the content was read, and a change after it: the file's ctime is not before the stamp.
        FsClock.Stamp before = clock.now();
        Files.writeString(file, "{\"serial\": 3}");
        FileIdentity changed = FileIdentity.read(file);
        memo.remember(KEY, changed, before, SHA);
        assertThat(memo.known(KEY, changed)).isEmpty();
    }

    @Test
    void aReplacedFileIsNotTrustedEvenWithTheSameSizeAndTimes() throws IOException {
        DigestMemo memo = hashedNow();
        FileIdentity old = FileIdentity.read(file);
        Path other = Files.writeString(dir.resolve("new"), "{\"serial\": 9}");
        Files.setLastModifiedTime(other, FileTime.fromMillis(1_700_000_000_000L));
        Files.move(other, file, StandardCopyOption.REPLACE_EXISTING);
        FileIdentity now = FileIdentity.read(file);
        assertThat(now.inode()).isNotEqualTo(old.inode());
        assertThat(memo.known(KEY, now)).isEmpty();
    }

    @Test
    void aFutureMtimeIsNeverTrusted() throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 3_600_000));
        FileIdentity seen = FileIdentity.read(file);
        DigestMemo memo = DigestMemo.empty();
        memo.remember(KEY, seen, clock.after(seen.ctimeNanos()).orElseThrow(), SHA);
        assertThat(memo.known(KEY, seen)).isEmpty();
    }

    @Test
    void theEnginesOwnHardLinkIsCarriedOnceTheClockHasTicked() throws IOException {
        DigestMemo memo = hashedNow();
        DigestMemo.Carry carry = memo.carry(dir);
        Files.createLink(dir.resolve("link"), file); // changes the file's ctime, not its bytes
        carry.to(dir);
        FileIdentity linked = FileIdentity.read(file);
        assertThat(memo.known(KEY, linked)).as("pending until settled").isEmpty();
        memo.settle(clock);
        assertThat(memo.known(KEY, linked)).contains(SHA);
        assertThat(memo.entry(KEY).orElseThrow().knownBefore()).isGreaterThan(linked.ctimeNanos());

        // A carry never follows a content change: another mtime or size drops the entry.
        DigestMemo.Carry again = memo.carry(dir);
        Files.writeString(file, "{\"serial\": 22}");
        again.to(dir);
        memo.settle(clock);
        assertThat(memo.entry(KEY)).isEmpty();
    }

    @Test
    void entriesSurviveTheirFileAndRecordFormatsAndGarbageIsDropped() throws IOException {
        DigestMemo memo = hashedNow();
        Path stored = dir.resolve("memo/digests");
        memo.write(stored);
        assertThat(DigestMemo.read(stored).known(KEY, file)).contains(SHA);
        assertThat(memo.keys()).containsExactly(KEY);
        DigestMemo.Entry entry = memo.entry(KEY).orElseThrow();
        assertThat(DigestMemo.Entry.decode(entry.encode())).contains(entry);
        assertThat(DigestMemo.Entry.decode("1 2 3 4 5 6 7 not-a-digest")).isEmpty();
        assertThat(DigestMemo.Entry.decode("garbage")).isEmpty();
        Files.writeString(stored, "nonsense\n\u0000\t\n");
        assertThat(DigestMemo.read(stored).isEmpty()).isTrue();
        assertThat(DigestMemo.read(dir.resolve("absent")).isEmpty()).isTrue();
    }

    @Test
    void aStampFromAnotherFilesystemCountsOneSecondEarlier() {
        FsClock.Stamp stamp = new FsClock.Stamp(7, 5_000_000_000L);
        assertThat(stamp.boundFor(7)).isEqualTo(5_000_000_000L);
        assertThat(stamp.boundFor(8)).isEqualTo(4_000_000_000L);
        FileIdentity elsewhere = new FileIdentity(8, 1, 1, 4_500_000_000L, 4_500_000_000L, 0100600);
        assertThat(DigestMemo.Entry.of(elsewhere, stamp, SHA)).isEmpty();
        FileIdentity here = new FileIdentity(7, 1, 1, 4_500_000_000L, 4_500_000_000L, 0100600);
        assertThat(DigestMemo.Entry.of(here, stamp, SHA)).map(DigestMemo.Entry::knownBefore)
                .isEqualTo(Optional.of(5_000_000_000L));
    }

    @Test
    void theClockMovesPastAChangeJustMade() throws IOException {
        FsClock.Stamp first = clock.now();
        FsClock.Stamp later = clock.after(first.nanos()).orElseThrow();
        assertThat(later.nanos()).isGreaterThan(first.nanos());
        assertThat(later.device()).isEqualTo(FileIdentity.read(file).device());
    }
}
