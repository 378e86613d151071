package io.productivek3s.infra.state.driver;

import java.io.IOException;
import java.util.Optional;

/**
 * The small settings map a state backend keeps once for all its clusters, such as a passphrase's salt and iteration
 * count (docs/state.md "Encryption at rest"). The first writer wins; everyone reads back what is stored. Every
 * {@link StateDriver} is one, so the encryption keys are derived from a driver's settings without an adapter.
 */
public interface Settings {
    /** A backend-wide setting, if set. */
    Optional<byte[]> setting(String key) throws IOException;

    /**
     * Sets {@code key} unless it is set; returns the value now stored (the given one, or the one another writer set
     * first). Settings are never changed once written.
     */
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
