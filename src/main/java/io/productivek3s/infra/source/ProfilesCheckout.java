package io.productivek3s.infra.source;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code productive-k3s-profiles} checkout named by {@code PRODUCTIVE_K3S_PROFILES_REPO_DIR} (docs/contract/invocation.md#source-commands,
 * docs/contract/source.md). A source command that needs it and cannot find it stops here, before anything runs (D02).
 *
 * @param display the variable's value as the caller gave it (used in messages)
 * @param dir     the checkout, absolute
 */
public record ProfilesCheckout(String display, Path dir) {
    public static final String VARIABLE = "PRODUCTIVE_K3S_PROFILES_REPO_DIR";

    /**
     * @param command the first positional as typed, named in the "requires" message
     * @throws EngineException exit 3 when the variable is unset/empty or the directory does not exist
     */
    public static ProfilesCheckout require(EngineContext context, String command) {
        String value = context.env().getOrDefault(VARIABLE, "");
        if (value.isEmpty()) {
            throw EngineException.missing("the source-based '" + command + "' surface requires " + VARIABLE
                    + " to point at a productive-k3s-profiles checkout");
        }
        Path dir = context.paths().resolve(value);
        if (!Files.isDirectory(dir)) {
            throw EngineException.missing("productive-k3s-profiles checkout not found: " + value);
        }
        return new ProfilesCheckout(value, dir);
    }

    /** {@code <checkout>/<rel>}, which must be a directory inside the checkout; exit 1 otherwise. */
    public Path scenarioDir(String rel) {
        Path scenario = dir.resolve(rel).normalize();
        if (!scenario.startsWith(dir) || !Files.isDirectory(scenario)) {
            throw EngineException.runtime("scenario directory not found in productive-k3s-profiles checkout: " + shown(rel));
        }
        return scenario;
    }

    /** {@code <checkout>/profiles}; exit 3 when missing. */
    public Path profilesDir() {
        Path profiles = dir.resolve("profiles");
        if (!Files.isDirectory(profiles)) {
            throw EngineException.missing("profiles directory not found in productive-k3s-profiles checkout: " + shown("profiles"));
        }
        return profiles;
    }

    /** {@code <checkout as given>/<rel>} without doubling a trailing slash. */
    private String shown(String rel) {
        return (display.endsWith("/") ? display : display + "/") + rel;
    }
}
