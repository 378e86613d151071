package io.productivek3s.infra.core;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Effective Productive K3S Core settings handed to every child (docs/contract/core.md#effective-core-settings). Resolution per key, highest first:
 * binding, merged profile files, process environment, release default. Validated before anything runs.
 */
public record CoreSettings(String source, String version, String releaseRepo) {
    private static final Pattern VERSION = Pattern.compile("^v?\\d+\\.\\d+\\.\\d+([.-][0-9A-Za-z.-]+)?$");

    /**
     * @param bound     bound Core version of this release, if any
     * @param fileValue value assigned by the merged profile files (empty when none assigned it)
     * @param baseEnv   process environment after release.env
     */
    public static CoreSettings resolve(Optional<String> bound, Function<String, Optional<String>> fileValue,
            Map<String, String> baseEnv, CoreDefaults defaults) {
        String source = bound.isPresent() ? "remote"
                : first(fileValue.apply("PRODUCTIVE_K3S_SOURCE"), baseEnv.get("PRODUCTIVE_K3S_SOURCE"), defaults.source());
        String version = bound.orElseGet(() -> first(fileValue.apply("PRODUCTIVE_K3S_VERSION"),
                baseEnv.get("PRODUCTIVE_K3S_VERSION"), source.equals("remote") ? defaults.coreVersion() : ""));
        String repo = first(fileValue.apply("PRODUCTIVE_K3S_RELEASE_REPO"), baseEnv.get("PRODUCTIVE_K3S_RELEASE_REPO"), defaults.releaseRepo());
        return new CoreSettings(source, version, repo);
    }

    /** Exit 4 for a source other than local/remote or a malformed remote version. */
    public CoreSettings validate() {
        if (!source.equals("local") && !source.equals("remote")) {
            throw EngineException.invalid("PRODUCTIVE_K3S_SOURCE must be 'local' or 'remote', got '" + source + "'");
        }
        if (source.equals("remote") && !isValidVersion(version)) {
            throw EngineException.invalid("invalid PRODUCTIVE_K3S_VERSION: " + version);
        }
        return this;
    }

    /** A Core release version as docs/contract/core.md#effective-core-settings accepts it: {@code X.Y.Z}, optional {@code v} and suffix. */
    public static boolean isValidVersion(String version) {
        return version != null && VERSION.matcher(version).matches();
    }

    /** Core version without a leading {@code v}, for compatibility checks; empty for local sources. */
    public Optional<String> comparableVersion() {
        if (source.equals("local") || version.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Release.stripV(version));
    }

    /** A local Core checkout must look like Core: {@code productive-k3s-core.sh} and {@code scripts/apply.sh}. */
    public static boolean looksLikeCoreCheckout(Path dir) {
        return dir != null && Files.isDirectory(dir)
                && Files.isRegularFile(dir.resolve("productive-k3s-core.sh"))
                && Files.isRegularFile(dir.resolve("scripts/apply.sh"));
    }

    private static String first(Optional<String> fromFiles, String fromProcess, String fallback) {
        if (fromFiles.isPresent() && !fromFiles.get().isEmpty()) {
            return fromFiles.get();
        }
        if (fromProcess != null && !fromProcess.isEmpty()) {
            return fromProcess;
        }
        return fallback;
    }
}
