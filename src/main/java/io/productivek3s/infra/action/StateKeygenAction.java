package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.state.crypto.KeyGen;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * {@code state keygen [--output FILE]} (docs/state.md "Encryption at rest", "Keys"): a fresh state key, written to a
 * new file of mode 0600 (never over an existing one), or returned for stdout. Touches no backend.
 */
public final class StateKeygenAction {
    private final EngineContext context;

    public StateKeygenAction(EngineContext context) {
        this.context = context;
    }

    /**
     * A new key: written to {@code output} (resolved against the caller's directory) when given, else carried in the
     * result for stdout. {@code toString} of the result never shows the key.
     */
    public Generated run(String output) {
        SecureRandom random = new SecureRandom();
        if (output == null) {
            KeyGen.NewKey key = KeyGen.generate(random);
            return new Generated(key.id(), Optional.empty(), Optional.of(key));
        }
        Path file = context.paths().resolve(output);
        String id = KeyGen.write(file, random);
        context.log().debug("state keygen: wrote key " + id + " to " + file);
        return new Generated(id, Optional.of(file), Optional.empty());
    }

    /** The new key's id, where it was written, or the key itself when it goes to stdout. */
    public record Generated(String keyId, Optional<Path> file, Optional<KeyGen.NewKey> printed) {
    }
}
