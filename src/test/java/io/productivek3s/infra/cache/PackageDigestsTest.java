package io.productivek3s.infra.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.FsClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The package cache keeps digest memo entries by real path; the memo's rule decides (issue 17). */
class PackageDigestsTest {
    private static final String SHA = "b".repeat(64);

    @TempDir
    Path dir;

    PackageDigests digests;
    Path tgz;

    @BeforeEach
    void setUp() throws IOException {
        digests = new PackageDigests(Files.createDirectories(dir.resolve("digests")));
        tgz = Files.writeString(dir.resolve("profile.tgz"), "package bytes, version 1");
        Files.setLastModifiedTime(tgz, FileTime.fromMillis(1_700_000_000_000L));
    }

    @Test
    void aPackageReadAfterTheStampIsRememberedUntilItIsRewrittenWithItsOldMtime() throws IOException {
        FileIdentity before = FileIdentity.read(tgz);
        Optional<FsClock.Stamp> stamp = digests.beforeReading(before);
        assertThat(stamp).isPresent();
        assertThat(digests.remember(tgz, before, stamp, SHA)).isTrue();
        assertThat(digests.lookup(tgz, FileIdentity.read(tgz))).contains(SHA);

        Files.writeString(tgz, "package bytes, version 2");
        Files.setLastModifiedTime(tgz, FileTime.fromMillis(1_700_000_000_000L));
        FileIdentity rewritten = FileIdentity.read(tgz);
        assertThat(rewritten.size()).isEqualTo(before.size());
        assertThat(rewritten.mtimeNanos()).isEqualTo(before.mtimeNanos());
        assertThat(digests.lookup(tgz, rewritten)).isEmpty();
    }

    @Test
    void aPackageChangedInTheStampsTickOrWhileReadIsNotRemembered() throws IOException {
        FileIdentity before = FileIdentity.read(tgz);
        digests.remember(tgz, before, Optional.of(new FsClock.Stamp(before.device(), before.ctimeNanos())), SHA);
        assertThat(digests.lookup(tgz, before)).isEmpty();

        Optional<FsClock.Stamp> stamp = digests.beforeReading(before);
        Files.writeString(tgz, "changed while it was read");
        digests.remember(tgz, before, stamp, SHA);
        assertThat(digests.lookup(tgz, before)).isEmpty();
        assertThat(digests.lookup(tgz, FileIdentity.read(tgz))).isEmpty();
    }
}
