package io.productivek3s.infra.state.local;

import io.productivek3s.infra.state.TreeManifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects are checked when written: an existing object is trusted only when intact, else replaced (#17). */
class LocalObjectsTest {
    @TempDir
    Path tmp;

    @Test
    void anIntactObjectIsKeptAndADamagedOneOfTheRightSizeIsReplaced() throws IOException {
        LocalObjects store = new LocalObjects(tmp.resolve(".history"));
        Path file = Files.writeString(tmp.resolve("key"), "secret-key");
        String sha = TreeManifest.sha256(file);
        assertThat(store.add(file, sha, 10)).isEqualTo(10);
        Path object = store.path(sha);
        Object inode = Files.readAttributes(object, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        assertThat(store.add(file, sha, 10)).as("intact: kept").isZero();
        assertThat(Files.readAttributes(object, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .isEqualTo(inode);

        Files.setPosixFilePermissions(object, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(object, "planted!!!");
        Files.setPosixFilePermissions(object, PosixFilePermissions.fromString("r--------"));
        assertThat(store.add(file, sha, 10)).as("damaged: written again").isEqualTo(10);
        assertThat(TreeManifest.sha256(object)).isEqualTo(sha);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(object))).isEqualTo("r--------");
    }

    @Test
    void aBigFileIsLinkedOverAnObjectThatIsAnotherInode() throws IOException {
        LocalObjects store = new LocalObjects(tmp.resolve(".history"));
        Path provider = Files.write(tmp.resolve("provider"), new byte[(int) LocalObjects.LINK_MIN_BYTES + 1]);
        String sha = TreeManifest.sha256(provider);
        Path object = store.path(sha);
        Files.createDirectories(object.getParent());
        Files.write(object, new byte[(int) LocalObjects.LINK_MIN_BYTES + 1]);
        Files.write(object, new byte[] {1}, java.nio.file.StandardOpenOption.WRITE); // same size, other bytes

        assertThat(store.add(provider, sha, LocalObjects.LINK_MIN_BYTES + 1)).isZero();
        assertThat(Files.isSameFile(object, provider)).isTrue();
        assertThat(store.add(provider, sha, LocalObjects.LINK_MIN_BYTES + 1)).isZero();
    }

    /**
     * Bytes whose sha256 is not their address (sealed objects) go to opaque/ and are found there by {@code has},
     * {@code exists} and {@code open} (which asks which tree with a stat, not a failed open); content-addressed ones
     * stay in objects/; neither tree is read through a link; an absent address is an error naming it.
     */
    @Test
    void opaqueAndContentAddressedObjectsAreFoundInTheirTreeAndNeverThroughALink() throws IOException {
        Path history = tmp.resolve(".history");
        LocalObjects store = new LocalObjects(history);
        byte[] sealed = "ciphertext".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String address = "ab".repeat(32);
        assertThat(store.has(address)).isFalse();
        assertThat(store.exists(address)).isFalse();
        assertThat(store.add(new java.io.ByteArrayInputStream(sealed), address, sealed.length)).isEqualTo(sealed.length);
        Path opaque = history.resolve("opaque/ab").resolve(address);
        assertThat(opaque).hasBinaryContent(sealed);
        assertThat(store.path(address)).doesNotExist();
        assertThat(store.has(address)).isTrue();
        assertThat(store.exists(address)).isTrue();
        try (java.io.InputStream in = store.open(address)) {
            assertThat(in.readAllBytes()).isEqualTo(sealed);
        }

        Path file = Files.writeString(tmp.resolve("plain"), "plain");
        String sha = TreeManifest.sha256(file);
        try (java.io.InputStream in = Files.newInputStream(file)) {
            store.add(in, sha, 5);
        }
        assertThat(store.path(sha)).hasContent("plain");
        try (java.io.InputStream in = store.open(sha)) {
            assertThat(in.readAllBytes()).isEqualTo("plain".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        Files.delete(opaque);
        Files.createSymbolicLink(opaque, file);
        assertThat(store.has(address)).as("a link is no object").isFalse();
        assertThat(store.exists(address)).isFalse();
        assertThatThrownBy(() -> store.open(address).close()).isInstanceOf(IOException.class);

        String absent = "cd".repeat(32);
        assertThatThrownBy(() -> store.open(absent)).isInstanceOf(IOException.class)
                .hasMessage("stored object " + absent + " is missing");
    }

    /**
     * An opaque object of the wrong size, or whose stream fails, is not stored and leaves no temp file; one of the
     * right size replaces what was there (the driver asks {@code hasOpaque} first and keeps an existing one).
     */
    @Test
    void anOpaqueObjectIsStoredWholeOrNotAtAll() throws IOException {
        LocalObjects store = new LocalObjects(tmp.resolve(".history"));
        String address = "ef".repeat(32);
        byte[] sealed = "sealed".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> store.addOpaque(new java.io.ByteArrayInputStream(sealed), address, 7))
                .isInstanceOf(IOException.class).hasMessage("object " + address + " has 6 bytes, not 7");
        assertThatThrownBy(() -> store.addOpaque(new java.io.InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("sealing failed");
            }
        }, address, 6)).isInstanceOf(IOException.class).hasMessage("sealing failed");
        assertThat(store.hasOpaque(address)).isFalse();
        Path prefix = tmp.resolve(".history/opaque/ef");
        try (var left = Files.list(prefix)) {
            assertThat(left.toList()).as("no temp file left").isEmpty();
        }

        assertThat(store.addOpaque(new java.io.ByteArrayInputStream(sealed), address, 6)).isEqualTo(6);
        byte[] other = "SEALED".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(store.addOpaque(new java.io.ByteArrayInputStream(other), address, 6)).isEqualTo(6);
        try (java.io.InputStream in = store.openOpaque(address)) {
            assertThat(in.readAllBytes()).isEqualTo(other);
        }
        try (var left = Files.list(prefix)) {
            assertThat(left.toList()).containsExactly(prefix.resolve(address));
        }
    }

    @Test
    void aFileThatIsNotItsDigestIsNeverStoredUnderIt() throws IOException {
        LocalObjects store = new LocalObjects(tmp.resolve(".history"));
        Path file = Files.writeString(tmp.resolve("state"), "changed");
        String claimed = TreeManifest.sha256(Files.writeString(tmp.resolve("before"), "earlier"));
        assertThatThrownBy(() -> store.add(file, claimed, 7)).isInstanceOf(IOException.class)
                .hasMessage(file + " changed while it was being stored");
        assertThat(store.path(claimed)).doesNotExist();
        try (var left = Files.list(store.path(claimed).getParent())) {
            assertThat(left.toList()).as("no temp file left").isEmpty();
        }
    }
}
