package io.productivek3s.infra.state.crypto;

import java.util.Optional;

/**
 * The small settings map a state backend keeps once for all its clusters (docs/state.md "Encryption at rest"):
 * here, the passphrase's salt and iteration count. The first writer wins; everyone reads back what is stored.
 */
public interface Settings {
    Optional<byte[]> setting(String key);

    /** Stores {@code value} under {@code key} unless something is already stored there (then nothing changes). */
    void putSettingIfAbsent(String key, byte[] value);

    /** A backend without settings: a passphrase cannot be used with it (only a key file). */
    Settings NONE = new Settings() {
        @Override
        public Optional<byte[]> setting(String key) {
            return Optional.empty();
        }

        @Override
        public void putSettingIfAbsent(String key, byte[] value) {
            throw new UnsupportedOperationException("this state backend keeps no settings");
        }
    };
}
