package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.driver.StateDriver;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Puts {@link EncryptingDriver} around the driver of one backend (docs/state.md "Encryption at rest"). The keys are
 * loaded when the first driver is wrapped and kept for the next ones of the same backend (a backend reopened in one
 * process), so a passphrase is derived once per process; another backend gets its own instance (its own salt).
 */
public final class StateEncryption implements UnaryOperator<StateDriver> {
    private final Map<String, String> env;
    private final Function<String, Path> resolve;
    private final SecureRandom random = new SecureRandom();
    private final boolean writesPlain;
    private KeyRing keys;

    public StateEncryption(Map<String, String> env, Function<String, Path> resolve) {
        this(env, resolve, false);
    }

    /**
     * {@code writesPlain}: every key only reads and state is written plain ({@code state migrate --decrypt}, docs/state.md
     * "Mixed state, rotation, migration"); otherwise the current key, if any, seals what is written.
     */
    public StateEncryption(Map<String, String> env, Function<String, Path> resolve, boolean writesPlain) {
        this.env = env;
        this.resolve = resolve;
        this.writesPlain = writesPlain;
    }

    @Override
    public synchronized StateDriver apply(StateDriver inner) {
        if (keys == null) {
            keys = EncryptingDriver.keysFor(inner, env, resolve);
        }
        return new EncryptingDriver(inner, writesPlain ? keys.readOnly() : keys, random);
    }

    /** Wraps an {@link IOException} of reading the backend's settings as the backend's failure (exit 1). */
    static EngineException settingsFailed(StateDriver inner, IOException e) {
        return EngineException.runtime("state backend " + inner.description() + " failed while reading its encryption "
                + "settings: " + e.getMessage());
    }
}
