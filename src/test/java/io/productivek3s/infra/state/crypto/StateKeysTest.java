package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.state.driver.Settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateKeysTest {
    @TempDir
    Path dir;

    /** The settings map of one backend, as a driver keeps it: first writer wins. */
    static final class MemorySettings implements Settings {
        final Map<String, byte[]> values = new HashMap<>();

        @Override
        public Optional<byte[]> setting(String key) {
            return Optional.ofNullable(values.get(key)).map(byte[]::clone);
        }

        @Override
        public byte[] putSettingIfAbsent(String key, byte[] value) {
            return values.computeIfAbsent(key, k -> value.clone()).clone();
        }
    }

    private Path file(String name, String content, String mode) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private KeyRing load(Map<String, String> env, Settings settings) {
        try {
            return StateKeys.load(env, dir::resolve, settings);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void noVariableMeansNoKeyAndPlainState() {
        KeyRing ring = load(Map.of(), Settings.NONE);
        assertThat(ring.encrypts()).isFalse();
        assertThat(StateKeys.configured(Map.of("PK3S_STATE_ENCRYPTION_KEY_FILE", " "))).isFalse();
    }

    @Test
    void aKeyFileFromKeygenIsTheCurrentKeyAndOldKeysReadAlong() {
        String current = KeyGen.write(dir.resolve("new.key"), new SecureRandom());
        String old1 = KeyGen.write(dir.resolve("old1.key"), new SecureRandom());
        String old2 = KeyGen.write(dir.resolve("old2.key"), new SecureRandom());
        KeyRing ring = load(Map.of(StateKeys.KEY_FILE, "new.key", StateKeys.OLD_KEY_FILES, "old1.key::" + dir.resolve("old2.key")),
                Settings.NONE);
        assertThat(StateKeys.configured(Map.of(StateKeys.KEY_FILE, "new.key"))).isTrue();
        assertThat(ring.current()).map(StateKey::id).contains(current);
        assertThat(ring.oldIds()).containsExactly(old1, old2);
        assertThat(ring.find(old2)).isPresent();
    }

    @Test
    void aKeyFileOthersCanReadOrWriteIsRefusedLikeSsh() throws IOException {
        KeyGen.write(dir.resolve("k"), new SecureRandom());
        for (String mode : new String[] {"rw-r-----", "rw----r--", "rw-----w-", "rw--w----"}) {
            Files.setPosixFilePermissions(dir.resolve("k"), PosixFilePermissions.fromString(mode));
            assertThatThrownBy(() -> load(Map.of(StateKeys.KEY_FILE, "k"), Settings.NONE)).as(mode)
                    .isInstanceOf(EngineException.class)
                    .hasMessage("PK3S_STATE_ENCRYPTION_KEY_FILE " + dir.resolve("k") + " is accessible by group or others (mode "
                            + mode + "): a state key must be private; run: chmod 600 " + dir.resolve("k"))
                    .extracting(e -> ((EngineException) e).exitCode()).isEqualTo(4);
        }
        Files.setPosixFilePermissions(dir.resolve("k"), PosixFilePermissions.fromString("r--------"));
        assertThat(load(Map.of(StateKeys.KEY_FILE, "k"), Settings.NONE).encrypts()).isTrue();
    }

    @Test
    void anythingButThirtyTwoBase64BytesIsRefusedWithoutQuotingTheFile() throws IOException {
        String secretish = "c2VjcmV0LXNlY3JldC1zZWNyZXQ-";
        for (String content : new String[] {secretish, "", "AAAA", "A".repeat(43) + "=" + "A", "x".repeat(44)}) {
            file("bad", content, "rw-------");
            assertThatThrownBy(() -> load(Map.of(StateKeys.KEY_FILE, "bad"), Settings.NONE)).as(content)
                    .hasMessage("PK3S_STATE_ENCRYPTION_KEY_FILE " + dir.resolve("bad") + " is not a state key: a key file "
                            + "holds 32 random bytes in base64 (44 characters), as 'state keygen' writes")
                    .hasMessageNotContaining("2d"); // the JDK decoder's "Illegal base64 character 2d" never leaks
            Files.delete(dir.resolve("bad"));
        }
        file("big", "A".repeat(5000), "rw-------");
        assertThatThrownBy(() -> load(Map.of(StateKeys.KEY_FILE, "big"), Settings.NONE)).hasMessageContaining("larger than 4096");
        assertThatThrownBy(() -> load(Map.of(StateKeys.KEY_FILE, "gone"), Settings.NONE))
                .hasMessage("PK3S_STATE_ENCRYPTION_KEY_FILE names no regular file: " + dir.resolve("gone"));
        assertThatThrownBy(() -> load(Map.of(StateKeys.OLD_KEY_FILES, "gone"), Settings.NONE))
                .hasMessage("PK3S_STATE_ENCRYPTION_OLD_KEY_FILES names no regular file: " + dir.resolve("gone"));
    }

    @Test
    void aKeyAndAPassphraseTogetherAreRefused() {
        assertThatThrownBy(() -> load(Map.of(StateKeys.KEY_FILE, "a", StateKeys.PASSPHRASE_FILE, "b"), new MemorySettings()))
                .hasMessageContaining("are both set").extracting(e -> ((EngineException) e).exitCode()).isEqualTo(4);
    }

    @Test
    void aPassphraseDerivesTheSameKeyFromTheSameBackendAndStoresItsSaltOnce() throws IOException {
        file("pass", "correct horse battery staple\n", "rw-------");
        MemorySettings backend = new MemorySettings();
        KeyRing first = load(Map.of(StateKeys.PASSPHRASE_FILE, "pass"), backend);
        byte[] stored = backend.values.get(PassphraseKdf.SETTING);
        assertThat(new String(stored, StandardCharsets.UTF_8))
                .matches("\\{\"kdf\":\"pbkdf2-hmac-sha256\",\"iterations\":600000,\"salt\":\"[A-Za-z0-9+/]{22}==\"}");
        KeyRing second = load(Map.of(StateKeys.PASSPHRASE_FILE, "pass"), backend); // another workstation
        assertThat(second.current().orElseThrow().id()).isEqualTo(first.current().orElseThrow().id());
        assertThat(backend.values.get(PassphraseKdf.SETTING)).isEqualTo(stored);
        KeyRing otherBackend = load(Map.of(StateKeys.PASSPHRASE_FILE, "pass"), new MemorySettings());
        assertThat(otherBackend.current().orElseThrow().id()).isNotEqualTo(first.current().orElseThrow().id());
        file("pass2", "correct horse battery stapler", "rw-------");
        assertThat(load(Map.of(StateKeys.PASSPHRASE_FILE, "pass2"), backend).current().orElseThrow().id())
                .isNotEqualTo(first.current().orElseThrow().id());
    }

    @Test
    void passphraseParametersChangedInTheDatabaseAreBounded() throws IOException {
        file("pass", "correct horse battery staple", "rw-------");
        for (String hostile : new String[] {"{\"kdf\":\"pbkdf2-hmac-sha256\",\"iterations\":1,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}",
            "{\"kdf\":\"pbkdf2-hmac-sha256\",\"iterations\":2147483647,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}",
            "{\"kdf\":\"pbkdf2-hmac-sha256\",\"iterations\":600000,\"salt\":\"AA==\"}", "{\"kdf\":\"md5\"}", "not json"}) {
            MemorySettings backend = new MemorySettings();
            backend.values.put(PassphraseKdf.SETTING, hostile.getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> load(Map.of(StateKeys.PASSPHRASE_FILE, "pass"), backend)).as(hostile)
                    .hasMessageContaining("passphrase settings (encryption.passphrase-kdf) are not pbkdf2-hmac-sha256 with "
                            + "600000 to 10000000 iterations").extracting(e -> ((EngineException) e).exitCode()).isEqualTo(4);
        }
    }

    @Test
    void aShortPassphraseOrABackendWithoutSettingsIsRefused() throws IOException {
        file("short", "hunter2\n", "rw-------");
        assertThatThrownBy(() -> load(Map.of(StateKeys.PASSPHRASE_FILE, "short"), new MemorySettings()))
                .hasMessageContaining("shorter than 12 characters").hasMessageNotContaining("hunter2");
        file("pass", "correct horse battery staple", "rw-------");
        assertThatThrownBy(() -> load(Map.of(StateKeys.PASSPHRASE_FILE, "pass"), Settings.NONE))
                .hasMessageContaining("needs a state backend that keeps a salt");
    }

    @Test
    void keygenWritesAPrivateNewFileAndNeverOverwrites() throws IOException {
        Path key = dir.resolve("state.key");
        String id = KeyGen.write(key, new SecureRandom());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).matches("[A-Za-z0-9+/]{43}=\n");
        byte[] before = Files.readAllBytes(key);
        assertThatThrownBy(() -> KeyGen.write(key, new SecureRandom())).isInstanceOf(EngineException.class)
                .hasMessageStartingWith("refusing to overwrite " + key + ": ")
                .extracting(e -> ((EngineException) e).exitCode()).isEqualTo(4);
        assertThat(Files.readAllBytes(key)).isEqualTo(before);
        assertThat(load(Map.of(StateKeys.KEY_FILE, key.toString()), Settings.NONE).current().orElseThrow().id()).isEqualTo(id);
        assertThatThrownBy(() -> KeyGen.write(dir.resolve("no/such/dir/k"), new SecureRandom()))
                .extracting(e -> ((EngineException) e).exitCode()).isEqualTo(3);
        KeyGen.NewKey printed = KeyGen.generate(new SecureRandom());
        assertThat(printed.base64()).matches("[A-Za-z0-9+/]{43}=");
        assertThat(printed.toString()).isEqualTo("NewKey[" + printed.id() + "]").doesNotContain(printed.base64());
    }
}
