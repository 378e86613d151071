package io.productivek3s.infra.core;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.env.EnvStack;
import io.productivek3s.infra.env.Layer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The engine installation's release identity (docs/contract/core.md#release-binding, docs/contract/core.md#engine-version): {@code scripts/release.env} applied over the
 * process environment, the caller's requested Core source/version captured before that, the engine version, the
 * runtime surface and the Core binding.
 */
public final class Release {
    public static final String RELEASE_ENV = "scripts/release.env";

    private final Map<String, String> releaseValues;
    private final Map<String, String> baseEnv;
    private final String requestedVersion;
    private final String requestedSource;

    private Release(Map<String, String> releaseValues, Map<String, String> baseEnv, String requestedVersion, String requestedSource) {
        this.releaseValues = releaseValues;
        this.baseEnv = baseEnv;
        this.requestedVersion = requestedVersion;
        this.requestedSource = requestedSource;
    }

    /** Loads {@code <installRoot>/scripts/release.env} when present; its values override same-named process variables. */
    public static Release load(Path installRoot, Map<String, String> processEnv, Consumer<String> warn) {
        Map<String, String> values = new LinkedHashMap<>();
        Path file = installRoot == null ? null : installRoot.resolve(RELEASE_ENV);
        if (file != null && Files.isRegularFile(file)) {
            EnvStack stack = new EnvStack(processEnv, warn, false);
            values.putAll(stack.load(file, file.toString(), Layer.RELEASE).values());
        }
        Map<String, String> base = new LinkedHashMap<>(processEnv);
        base.putAll(values);
        return new Release(Collections.unmodifiableMap(values), Collections.unmodifiableMap(base),
                processEnv.getOrDefault("PRODUCTIVE_K3S_VERSION", ""), processEnv.getOrDefault("PRODUCTIVE_K3S_SOURCE", ""));
    }

    /** Process environment with release.env applied: the base of every child environment (docs/contract/runs.md#environment). */
    public Map<String, String> baseEnvironment() {
        return baseEnv;
    }

    public Map<String, String> releaseValues() {
        return releaseValues;
    }

    /** One engine version everywhere (docs/contract/core.md#engine-version). */
    public String engineVersion() {
        String fromFile = releaseValues.get("PK3S_INFRA_RELEASE_TAG");
        if (fromFile != null && !fromFile.isEmpty()) {
            return fromFile;
        }
        for (String key : new String[] {"PRODUCTIVE_K3S_INFRA_VERSION", "PK3S_INFRA_RELEASE_TAG"}) {
            String value = baseEnv.get(key);
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return "dev";
    }

    public String infraSemver() {
        return baseEnv.getOrDefault("PK3S_INFRA_SEMVER", "");
    }

    public boolean packageOnly() {
        return "package-only".equals(surfaceValue());
    }

    /** The raw surface value, release.env first (it wins over the process). */
    public String surfaceValue() {
        return baseEnv.getOrDefault("PK3S_INFRA_RUNTIME_SURFACE", "");
    }

    /** Bound Core version (PK3S_CORE_SEMVER), validated; empty when this installation is not bound. */
    public Optional<String> boundCore() {
        String bound = baseEnv.getOrDefault("PK3S_CORE_SEMVER", "");
        if (bound.isEmpty()) {
            return Optional.empty();
        }
        if (!Semver.PATTERN.matcher(bound).matches()) {
            throw EngineException.invalid("invalid PK3S_CORE_SEMVER: " + bound);
        }
        return Optional.of(bound);
    }

    /** Refuses caller requests that contradict the binding (docs/contract/core.md#release-binding); no-op for unbound installations. */
    public void checkBinding() {
        Optional<String> bound = boundCore();
        if (bound.isEmpty()) {
            return;
        }
        if (!requestedVersion.isEmpty() && !stripV(requestedVersion).equals(stripV(bound.get()))) {
            throw EngineException.invalid("release " + engineVersion() + " is bound to productive-k3s " + bound.get()
                    + "; refusing requested PRODUCTIVE_K3S_VERSION=" + requestedVersion);
        }
        if (!requestedSource.isEmpty() && !requestedSource.equals("remote")) {
            throw EngineException.invalid("release " + engineVersion() + " requires PRODUCTIVE_K3S_SOURCE=remote; refusing requested PRODUCTIVE_K3S_SOURCE=" + requestedSource);
        }
    }

    public static String stripV(String version) {
        return version.startsWith("v") ? version.substring(1) : version;
    }

    /** Compiled on first use: most commands never check a bound version, and a pattern costs start-up classes. */
    private static final class Semver {
        static final Pattern PATTERN = Pattern.compile("^\\d+\\.\\d+\\.\\d+$");
    }
}
