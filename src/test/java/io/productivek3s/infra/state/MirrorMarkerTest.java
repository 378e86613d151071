package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The mirror marker: written once, read back, and never read through a link or without a size bound. */
class MirrorMarkerTest {
    @TempDir
    Path dir;

    @Test
    void writtenMarkerReadsBackAndRemovalMakesLocalState() throws Exception {
        assertThat(MirrorMarker.read(dir)).isEmpty();
        MirrorMarker.write(dir, "postgresql://alice@db:5432/pk3s");
        assertThat(MirrorMarker.read(dir)).contains("postgresql://alice@db:5432/pk3s");
        MirrorMarker.remove(dir);
        assertThat(MirrorMarker.read(dir)).isEmpty();
    }

    @Test
    @Timeout(10)
    void aLinkOrAHugeFileInItsPlaceStillMarksAMirrorUnread() throws Exception {
        Files.createSymbolicLink(dir.resolve(MirrorMarker.FILE), Path.of("/dev/zero"));
        assertThat(MirrorMarker.read(dir)).get().asString().contains("is unreadable");
        Files.delete(dir.resolve(MirrorMarker.FILE));
        Files.writeString(dir.resolve(MirrorMarker.FILE), "x".repeat(4096));
        assertThat(MirrorMarker.read(dir)).get().asString().contains("is unreadable");
        Files.writeString(dir.resolve(MirrorMarker.FILE), "postgresql://a@h/db\u001b[2J\n");
        assertThat(MirrorMarker.read(dir)).contains("postgresql://a@h/db?[2J");
    }
}
