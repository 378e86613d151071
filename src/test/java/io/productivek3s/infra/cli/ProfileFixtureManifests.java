package io.productivek3s.infra.cli;

import io.productivek3s.infra.testing.ProfileFixture;

/** Variations of the fixture manifest for error-path tests. */
final class ProfileFixtureManifests {
    static final String DEFAULT = ProfileFixture.DEFAULT_MANIFEST;

    private ProfileFixtureManifests() {
    }

    static String replace(String from, String to) {
        if (!DEFAULT.contains(from)) {
            throw new IllegalArgumentException("fixture manifest has no " + from);
        }
        return DEFAULT.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to));
    }
}
