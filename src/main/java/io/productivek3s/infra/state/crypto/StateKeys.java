package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.state.driver.Settings;
import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The state keys the environment names (docs/state.md "Encryption at rest", "Keys"): a key file
 * ({@value #KEY_FILE}) or a passphrase file ({@value #PASSPHRASE_FILE}), never both, and older key files to read
 * with ({@value #OLD_KEY_FILES}, colon-separated). The variables hold paths, never keys, so no key is ever in an
 * environment or a command line; and no child gets even the paths ({@link #VARIABLES}, removed by
 * {@code ChildCommands.baseEnvironment}).
 */
public final class StateKeys {
    public static final String KEY_FILE = "PK3S_STATE_ENCRYPTION_KEY_FILE";
    public static final String PASSPHRASE_FILE = "PK3S_STATE_PASSPHRASE_FILE";
    public static final String OLD_KEY_FILES = "PK3S_STATE_ENCRYPTION_OLD_KEY_FILES";
    /** Every variable of state encryption: the engine's alone, no child process gets them. */
    public static final List<String> VARIABLES = List.of(KEY_FILE, PASSPHRASE_FILE, OLD_KEY_FILES);

    private StateKeys() {
    }

    /**
     * Whether any key variable is set, as the launcher tests it to give a state move its encrypted-run JIT flags
     * (scripts/lib/pk3s-launch.sh {@code pk3s_sealed_run}; docs/performance.md "Small encrypted pulls on C1").
     */
    public static boolean anySet(Map<String, String> env) {
        return VARIABLES.stream().anyMatch(variable -> !env.getOrDefault(variable, "").isEmpty());
    }

    /** Whether {@code env} turns encryption on (a key or passphrase file is named). */
    public static boolean configured(Map<String, String> env) {
        return !value(env, KEY_FILE).isEmpty() || !value(env, PASSPHRASE_FILE).isEmpty();
    }

    /**
     * The key ring {@code env} names; paths are resolved by {@code resolve} (the caller's directory). A passphrase
     * derives its key with the salt kept in {@code settings} (created there on first use). No variable set: an
     * empty ring (plain state). Every problem with a file is exit 4, naming the variable and the path.
     */
    public static KeyRing load(Map<String, String> env, Function<String, Path> resolve, Settings settings)
            throws IOException {
        String keyFile = value(env, KEY_FILE);
        String passphraseFile = value(env, PASSPHRASE_FILE);
        if (!keyFile.isEmpty() && !passphraseFile.isEmpty()) {
            throw EngineException.invalid(KEY_FILE + " and " + PASSPHRASE_FILE + " are both set: state is sealed with "
                    + "one key; unset one of them");
        }
        List<StateKey> old = new ArrayList<>();
        for (String file : value(env, OLD_KEY_FILES).split(":")) {
            if (!file.isBlank()) {
                old.add(fromKeyFile(OLD_KEY_FILES, resolve.apply(file.strip())));
            }
        }
        StateKey current = null;
        if (!keyFile.isEmpty()) {
            current = fromKeyFile(KEY_FILE, resolve.apply(keyFile));
        } else if (!passphraseFile.isEmpty()) {
            char[] passphrase = KeyFile.passphrase(PASSPHRASE_FILE, resolve.apply(passphraseFile));
            if (settings == Settings.NONE) {
                Arrays.fill(passphrase, '\0');
                throw EngineException.invalid(PASSPHRASE_FILE + " needs a state backend that keeps a salt; use "
                        + KEY_FILE + " here");
            }
            current = PassphraseKdf.derive(passphrase, settings, new SecureRandom());
        }
        return KeyRing.of(current, old);
    }

    /**
     * What {@code doctor} reports without opening a backend: the files are read and checked as a run would (exit 4
     * for a bad one), the key id of a key file and of every old key computed; a passphrase's key id needs the
     * backend's salt, so it is not derived here.
     */
    public static Status status(Map<String, String> env, Function<String, Path> resolve) {
        List<String> old = new ArrayList<>();
        for (String file : value(env, OLD_KEY_FILES).split(":")) {
            if (!file.isBlank()) {
                old.add(fromKeyFile(OLD_KEY_FILES, resolve.apply(file.strip())).id());
            }
        }
        String keyFile = value(env, KEY_FILE);
        String passphraseFile = value(env, PASSPHRASE_FILE);
        if (!keyFile.isEmpty() && !passphraseFile.isEmpty()) {
            throw EngineException.invalid(KEY_FILE + " and " + PASSPHRASE_FILE + " are both set: state is sealed with "
                    + "one key; unset one of them");
        }
        if (!keyFile.isEmpty()) {
            return new Status(KEY_FILE, java.util.Optional.of(fromKeyFile(KEY_FILE, resolve.apply(keyFile)).id()), old);
        }
        if (!passphraseFile.isEmpty()) {
            Arrays.fill(KeyFile.passphrase(PASSPHRASE_FILE, resolve.apply(passphraseFile)), '\0');
            return new Status(PASSPHRASE_FILE, java.util.Optional.empty(), old);
        }
        return new Status(null, java.util.Optional.empty(), old);
    }

    /** Encryption as configured: {@code variable} that names the current key (null: off), its id when known, old key ids. */
    public record Status(String variable, java.util.Optional<String> keyId, List<String> oldKeyIds) {
        public boolean on() {
            return variable != null;
        }
    }

    private static StateKey fromKeyFile(String variable, Path file) {
        byte[] master = KeyFile.key(variable, file);
        try {
            return StateKey.of(master);
        } finally {
            Arrays.fill(master, (byte) 0);
        }
    }

    private static String value(Map<String, String> env, String name) {
        return env.getOrDefault(name, "").strip();
    }
}
