package io.productivek3s.infra.sign;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.UserConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the operator's {@code allowed_signers} lives (docs/signing.md "Trust model"): {@code PK3S_ALLOWED_SIGNERS},
 * else {@code ${XDG_CONFIG_HOME:-~/.config}/pk3s/allowed_signers}. A file named by the variable must exist (a typo
 * must not turn checking off); the default location may be absent, which means "no trust file".
 */
public record TrustFile(Path path, boolean explicit) {
    public static final String VARIABLE = "PK3S_ALLOWED_SIGNERS";

    /**
     * @param resolve how a relative {@code PK3S_ALLOWED_SIGNERS} resolves (the caller's directory)
     * @return empty when there is neither the variable nor a home directory
     */
    public static Optional<TrustFile> locate(Map<String, String> env, Function<String, Path> resolve) {
        String explicit = env.getOrDefault(VARIABLE, "");
        if (!explicit.isEmpty()) {
            return Optional.of(new TrustFile(resolve.apply(explicit), true));
        }
        return UserConfig.directory(env).map(dir -> new TrustFile(dir.resolve("allowed_signers"), false));
    }

    /** Where it came from, for messages and {@code doctor}. */
    public String describe() {
        return path + (explicit ? " (" + VARIABLE + ")" : "");
    }

    /**
     * The parsed trust file; empty when the default location has none. Exit 3 for a missing explicit file, exit 4 for
     * one that cannot be honoured (one line with the line number).
     */
    public Optional<AllowedSigners> load(ZoneId zone) {
        if (!Files.exists(path)) {
            if (explicit) {
                throw EngineException.missing("trust file not found: " + describe());
            }
            return Optional.empty();
        }
        if (!Files.isRegularFile(path)) {
            throw EngineException.invalid("trust file is not a regular file: " + describe());
        }
        byte[] content;
        try (InputStream in = Files.newInputStream(path)) {
            content = in.readNBytes(AllowedSigners.MAX_BYTES + 1);
        } catch (IOException e) {
            throw EngineException.missing("could not read trust file " + describe() + ": " + e.getMessage());
        }
        try {
            return Optional.of(AllowedSigners.parse(content, path.toString(), zone));
        } catch (SignatureFormatException e) {
            throw EngineException.invalid("trust file cannot be used: " + e.getMessage());
        }
    }
}
