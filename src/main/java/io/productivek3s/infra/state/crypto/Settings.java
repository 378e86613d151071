package io.productivek3s.infra.state.crypto;

import java.io.IOException;
import java.util.Optional;

/**
 * The small settings map a state backend keeps once for all its clusters (docs/state.md "Encryption at rest"):
 * here, the passphrase's salt and iteration count. The first writer wins; everyone reads back what is stored. The
 * signatures are those of {@code StateDriver}'s settings, so a driver is adapted with two method references.
 */
public interface Settings {
    Optional<byte[]> setting(String key) throws IOException;

    /** Stores {@code value} under {@code key} unless something is stored there; returns what is stored now. */
    byte[] putSettingIfAbsent(String key, byte[] value) throws IOException;

    /** A backend without settings: a passphrase cannot be used with it (only a key file). */
    Settings NONE = new Settings() {
        @Override
        public Optional<byte[]> setting(String key) {
            return Optional.empty();
        }

        @Override
        public byte[] putSettingIfAbsent(String key, byte[] value) {
            throw new UnsupportedOperationException("this state backend keeps no settings");
        }
    };
}
