package io.productivek3s.infra.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SemverTest {
    private static Semver v(String text) {
        return Semver.parse(text).orElseThrow();
    }

    @Test
    void parsesOnlyStrictXyz() {
        assertThat(Semver.parse("0.9.65")).contains(new Semver(0, 9, 65));
        assertThat(Semver.parse("10.0.01")).contains(new Semver(10, 0, 1));
        for (String bad : new String[] {"", "0.9", "v0.9.65", "0.9.65-0.9.6", "0.9.65 ", "1.2.3.4", "a.b.c",
                "\u0661.2.3", "1234567890123456789.0.0"}) {
            assertThat(Semver.parse(bad)).as(bad).isEmpty();
        }
        assertThat(Semver.parse(null)).isEmpty();
    }

    @Test
    void comparesNumericallyPerComponent() {
        assertThat(v("0.10.0")).isGreaterThan(v("0.9.65"));
        assertThat(v("0.9.65")).isGreaterThan(v("0.9.7"));
        assertThat(v("1.0.0")).isGreaterThan(v("0.99.99"));
        assertThat(v("0.9.6")).isEqualByComparingTo(v("0.9.06"));
        assertThat(v("0.9.65").toString()).isEqualTo("0.9.65");
    }

    @Test
    void infraSemverPrefersTheExplicitVariable() {
        assertThat(Semver.infraSemverOf("0.9.64-0.9.5", "0.9.70")).contains(v("0.9.70"));
        assertThat(Semver.infraSemverOf("dev", "0.9.70")).contains(v("0.9.70"));
    }

    @Test
    void infraSemverFallsBackToTheEngineVersion() {
        assertThat(Semver.infraSemverOf("0.9.65-0.9.6", null)).contains(v("0.9.65"));
        assertThat(Semver.infraSemverOf("0.9.65-0.9.6", "garbage")).contains(v("0.9.65"));
        assertThat(Semver.infraSemverOf("0.9.65", "")).contains(v("0.9.65"));
        assertThat(Semver.infraSemverOf("dev", null)).isEqualTo(Optional.empty());
        assertThat(Semver.infraSemverOf("0.9.65-rc1", null)).isEmpty();
        assertThat(Semver.infraSemverOf("594a7c9", null)).isEmpty();
        assertThat(Semver.infraSemverOf(null, null)).isEmpty();
    }
}
