package io.productivek3s.infra.pkg;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A strict {@code X.Y.Z} version, compared numerically per component ({@code 0.10.0 > 0.9.65}). */
public record Semver(long major, long minor, long patch) implements Comparable<Semver> {
    // 18 digits keep every component inside a long; longer numbers are not plausible versions.
    private static final Pattern SEMVER = Pattern.compile("(\\d{1,18})\\.(\\d{1,18})\\.(\\d{1,18})");
    private static final Pattern COMPOSITE = Pattern.compile("(\\d{1,18}\\.\\d{1,18}\\.\\d{1,18})-\\d{1,18}\\.\\d{1,18}\\.\\d{1,18}");

    public Semver {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("version components must not be negative");
        }
    }

    /** Parses exactly {@code X.Y.Z} (ASCII digits only, no prefix, no suffix). */
    public static Optional<Semver> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = SEMVER.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Semver(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                Long.parseLong(m.group(3))));
    }

    public static boolean isValid(String text) {
        return parse(text).isPresent();
    }

    /**
     * The running infra semver (docs/contract/package.md#compatibility-gate): {@code PK3S_INFRA_SEMVER} when it is {@code X.Y.Z}, else the
     * {@code X.Y.Z} part of a composite {@code X.Y.Z-A.B.C} engine version, else the engine version itself when
     * it is {@code X.Y.Z}; empty otherwise (e.g. {@code dev}).
     */
    public static Optional<Semver> infraSemverOf(String engineVersion, String pk3sInfraSemver) {
        Optional<Semver> explicit = parse(pk3sInfraSemver);
        if (explicit.isPresent() || engineVersion == null) {
            return explicit;
        }
        Matcher composite = COMPOSITE.matcher(engineVersion);
        if (composite.matches()) {
            return parse(composite.group(1));
        }
        return parse(engineVersion);
    }

    @Override
    public int compareTo(Semver other) {
        int c = Long.compare(major, other.major);
        if (c == 0) {
            c = Long.compare(minor, other.minor);
        }
        return c != 0 ? c : Long.compare(patch, other.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
