package io.productivek3s.infra.pkg;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code profile/v1} compatibility gate (docs/contract/package.md#compatibility-gate). Pure: decides nothing about exit codes. */
public final class CompatibilityGate {
    private CompatibilityGate() {
    }

    /**
     * @param engineVersion   the engine version (docs/contract/core.md#engine-version), e.g. {@code 0.9.65-0.9.6} or {@code dev}
     * @param pk3sInfraSemver {@code PK3S_INFRA_SEMVER}, or null
     * @param coreVersion     the effective core version; empty when unknown or when the source is local
     */
    public static GateResult evaluate(ProfileManifest manifest, String engineVersion, String pk3sInfraSemver,
                                      Optional<String> coreVersion) {
        List<String> violations = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (manifest.compatibility().isEmpty()) {
            return new GateResult(violations, warnings);
        }
        CompatibilitySpec spec = manifest.compatibility().get();
        String subject = "profile " + manifest.name() + (manifest.version() == null ? "" : " " + manifest.version());

        // A missing contract means "no contract declared"; an unknown one means the window keys may not
        // mean what we think, so nothing else is evaluated.
        if (spec.contract() != null && !spec.contract().equals(CompatibilitySpec.PROFILE_V1)) {
            violations.add(subject + " requires unsupported contract: " + OneLine.shown(spec.contract()));
            return new GateResult(violations, warnings);
        }

        if (spec.minEngineVersion() != null || spec.maxEngineVersionExclusive() != null) {
            Optional<Semver> running = Semver.infraSemverOf(engineVersion, pk3sInfraSemver);
            if (running.isEmpty()) {
                warnings.add("engine version '" + engineVersion
                        + "' cannot be checked against profile compatibility; continuing");
            } else if (!inside(running.get(), spec.minEngineVersion(), spec.maxEngineVersionExclusive())) {
                violations.add(subject + " is incompatible: requires Infra "
                        + window(spec.minEngineVersion(), spec.maxEngineVersionExclusive())
                        + " (running " + running.get() + ")");
            }
        }

        if (spec.coreMinVersion() != null || spec.coreMaxVersionExclusive() != null) {
            Optional<String> core = coreVersion.map(String::trim).filter(v -> !v.isEmpty())
                    .map(v -> v.startsWith("v") ? v.substring(1) : v);
            Optional<Semver> bound = core.flatMap(Semver::parse);
            if (core.isEmpty()) {
                warnings.add(subject + " core compatibility not checked: no core version is known");
            } else if (bound.isEmpty()) {
                warnings.add("core version '" + OneLine.shown(core.get())
                        + "' cannot be checked against profile compatibility; continuing");
            } else if (!inside(bound.get(), spec.coreMinVersion(), spec.coreMaxVersionExclusive())) {
                violations.add(subject + " is incompatible: requires Core "
                        + window(spec.coreMinVersion(), spec.coreMaxVersionExclusive())
                        + " (bound " + bound.get() + ")");
            }
        }
        return new GateResult(violations, warnings);
    }

    /** Bounds are X.Y.Z once parsed by ManifestParser; an unparseable bound does not constrain. */
    private static boolean inside(Semver version, String min, String maxExclusive) {
        return Semver.parse(min).map(m -> version.compareTo(m) >= 0).orElse(true)
                && Semver.parse(maxExclusive).map(m -> version.compareTo(m) < 0).orElse(true);
    }

    private static String window(String min, String maxExclusive) {
        if (min != null && maxExclusive != null) {
            return ">=" + min + " and <" + maxExclusive;
        }
        return min != null ? ">=" + min : "<" + maxExclusive;
    }
}
