package io.productivek3s.infra.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.TreeCopier;
import io.productivek3s.infra.pkg.PackageListing;
import io.productivek3s.infra.pkg.ProfileArchive;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** entry.bin is written while the tree is walked and read back path by path; damage is never silent. */
class TreeRecordTest {
    @TempDir
    Path tree;

    private static final ProfileArchive.Scanned SCANNED = new ProfileArchive.Scanned(
            new PackageListing("", "name: x\n".getBytes(StandardCharsets.UTF_8), Optional.of("A=1\n".getBytes(
                    StandardCharsets.UTF_8)), Set.of("profile.yaml", "profile.env", "d/f"), Set.of("d"),
                    Map.of("d/l", "f")),
            "ab".repeat(32), 1234, 5);

    private byte[] capture(long[] bytes) throws IOException {
        Files.writeString(tree.resolve("profile.yaml"), "name: x\n");
        Files.writeString(tree.resolve("profile.env"), "A=1\n");
        Files.createDirectory(tree.resolve("d"));
        Files.writeString(tree.resolve("d/f"), "12345");
        Files.createSymbolicLink(tree.resolve("d/l"), Path.of("f"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        bytes[0] = TreeRecord.capture(SCANNED, tree, out).bytes();
        return out.toByteArray();
    }

    @Test
    void everyPathComesBackOnceInNameOrderParentsFirstWithItsIdentity() throws IOException {
        long[] bytes = new long[1];
        byte[] record = capture(bytes);
        assertThat(bytes[0]).isEqualTo(8 + 4 + 5);

        TreeRecord.Reader reader = new TreeRecord.Reader(new ByteArrayInputStream(record));
        assertThat(reader.scanned().sha256()).isEqualTo(SCANNED.sha256());
        assertThat(reader.scanned().listing().files()).isEqualTo(SCANNED.listing().files());
        assertThat(reader.scanned().listing().symlinks()).isEqualTo(Map.of("d/l", "f"));
        List<String> paths = new ArrayList<>();
        for (TreeRecord.Node node = reader.next(); node != null; node = reader.next()) {
            paths.add(node.path());
            // directories too, with their times: a mode, ACL or xattr change on one shows in its change time
            assertThat(node.identity()).isEqualTo(FileIdentity.read(tree.resolve(node.path())));
            if (node.path().equals("d/l")) {
                assertThat(node.kind()).isEqualTo(TreeRecord.Kind.SYMLINK);
                assertThat(node.linkTarget()).isEqualTo("f");
            }
        }
        // the root first, then TreeCopier's walk: pre-order, names sorted
        assertThat(paths).containsExactly("", "d", "d/f", "d/l", "profile.env", "profile.yaml");
        assertThat(reader.next()).isNull();
    }

    @Test
    void aCheckPassesTheUnchangedTreeAndStopsAtTheFirstDifference() throws IOException {
        byte[] record = capture(new long[1]);
        check(record);   // unchanged: every path visited, nothing left over
        Files.writeString(tree.resolve("d/extra"), "x");
        assertThatThrownBy(() -> check(record)).isInstanceOf(TreeRecord.TamperedException.class)
                .hasMessageContaining(": d");   // the directory's times changed first
        Files.delete(tree.resolve("d/extra"));
        Files.delete(tree.resolve("profile.yaml"));
        assertThatThrownBy(() -> check(record)).isInstanceOf(TreeRecord.TamperedException.class);
    }

    private void check(byte[] record) throws IOException {
        TreeRecord.Check check = new TreeRecord.Check(new TreeRecord.Reader(new ByteArrayInputStream(record)));
        TreeCopier.walk(tree, check);
        check.finish();
    }

    @Test
    void aTruncatedOrExtendedRecordIsAnErrorNotAShorterTree() throws IOException {
        byte[] record = capture(new long[1]);
        for (byte[] damaged : List.of(Arrays.copyOf(record, record.length - 1), Arrays.copyOf(record, record.length + 1))) {
            TreeRecord.Reader reader = new TreeRecord.Reader(new ByteArrayInputStream(damaged));
            assertThatThrownBy(() -> {
                while (reader.next() != null) {
                    // read to the end
                }
            }).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aScanRecordHasTheScanAndNoTree() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TreeRecord.writeScan(SCANNED, out);
        Optional<ProfileArchive.Scanned> scanned = TreeRecord.readScanned(new ByteArrayInputStream(out.toByteArray()));
        assertThat(scanned).isPresent();
        assertThat(scanned.get().listing().profileEnv()).hasValueSatisfying(
                env -> assertThat(new String(env, StandardCharsets.UTF_8)).isEqualTo("A=1\n"));
        assertThat(scanned.get().tarBytes()).isEqualTo(1234);
        assertThat(new TreeRecord.Reader(new ByteArrayInputStream(out.toByteArray())).next()).isNull();
        // the head of another format version is no record at all
        byte[] other = out.toByteArray();
        other[3] = 1;
        assertThat(TreeRecord.readScanned(new ByteArrayInputStream(other))).isEmpty();
    }
}
