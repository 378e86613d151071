package io.productivek3s.infra.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CompatibilityGateTest {
    private static ProfileManifest manifest(String version, CompatibilitySpec spec) {
        return new ProfileManifest(null, null, "hetzner-basic", version, "cloud", "hetzner-basic", "opentofu",
                "scripts/install.sh", List.of(), Optional.ofNullable(spec), List.of(), List.of(), List.of());
    }

    private static final CompatibilitySpec WINDOW =
            new CompatibilitySpec("profile/v1", "0.9.65", "0.10.0", "0.9.6", "0.10.0", List.of());

    private static GateResult gate(String engine, String infraSemver, String core) {
        return CompatibilityGate.evaluate(manifest("0.1.0", WINDOW), engine, infraSemver, Optional.ofNullable(core));
    }

    @Test
    void noCompatibilityBlockMeansNoGate() {
        GateResult r = CompatibilityGate.evaluate(manifest("0.1.0", null), "dev", null, Optional.empty());
        assertThat(r.violations()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        assertThat(r.passed()).isTrue();
    }

    @Test
    void insideBothWindows() {
        GateResult r = gate("0.9.65-0.9.6", null, "0.9.6");
        assertThat(r.violations()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        assertThat(gate("0.9.99", null, "v0.9.99").passed()).isTrue();
    }

    @Test
    void infraBelowTheWindow() {
        assertThat(gate("0.9.64-0.9.5", null, "0.9.6").violations()).containsExactly(
                "profile hetzner-basic 0.1.0 is incompatible: requires Infra >=0.9.65 and <0.10.0 (running 0.9.64)");
    }

    @Test
    void upperBoundIsExclusiveAndNumeric() {
        assertThat(gate("0.10.0", null, "0.9.6").violations()).containsExactly(
                "profile hetzner-basic 0.1.0 is incompatible: requires Infra >=0.9.65 and <0.10.0 (running 0.10.0)");
        assertThat(gate("0.9.100", null, "0.9.6").passed()).isTrue();
    }

    @Test
    void explicitInfraSemverWins() {
        assertThat(gate("dev", "0.9.70", "0.9.6").passed()).isTrue();
        assertThat(gate("0.9.70", "0.9.1", "0.9.6").violations()).singleElement().asString()
                .endsWith("(running 0.9.1)");
    }

    @Test
    void uncomparableEngineVersionIsAWarning() {
        GateResult r = gate("dev", null, "0.9.6");
        assertThat(r.violations()).isEmpty();
        assertThat(r.warnings()).containsExactly(
                "engine version 'dev' cannot be checked against profile compatibility; continuing");
    }

    @Test
    void coreOutsideTheWindow() {
        assertThat(gate("0.9.65", null, "v0.10.1").violations()).containsExactly(
                "profile hetzner-basic 0.1.0 is incompatible: requires Core >=0.9.6 and <0.10.0 (bound 0.10.1)");
        assertThat(gate("0.9.65", null, "0.9.5").violations()).singleElement().asString().contains("(bound 0.9.5)");
    }

    @Test
    void bothViolationsAreReported() {
        assertThat(gate("0.9.64-0.9.5", null, "0.9.5").violations()).hasSize(2);
    }

    @Test
    void unknownCoreVersionSkipsTheCoreCheck() {
        GateResult r = gate("0.9.65", null, null);
        assertThat(r.violations()).isEmpty();
        assertThat(r.warnings()).containsExactly(
                "profile hetzner-basic 0.1.0 core compatibility not checked: no core version is known");
        assertThat(gate("0.9.65", null, "  ").warnings()).hasSize(1);
        assertThat(gate("0.9.65", null, "main").warnings()).containsExactly(
                "core version 'main' cannot be checked against profile compatibility; continuing");
    }

    @Test
    void unsupportedContractStopsTheGate() {
        CompatibilitySpec spec = new CompatibilitySpec("profile/v2", "9.9.9", null, null, null, List.of());
        GateResult r = CompatibilityGate.evaluate(manifest("0.1.0", spec), "0.9.65", null, Optional.of("0.9.6"));
        assertThat(r.violations()).containsExactly("profile hetzner-basic 0.1.0 requires unsupported contract: profile/v2");
    }

    @Test
    void halfOpenWindowsAndMissingVersion() {
        CompatibilitySpec minOnly = new CompatibilitySpec(null, "0.9.65", null, null, "0.9.0", List.of());
        GateResult r = CompatibilityGate.evaluate(manifest(null, minOnly), "0.9.64", null, Optional.of("0.9.6"));
        assertThat(r.violations()).containsExactly(
                "profile hetzner-basic is incompatible: requires Infra >=0.9.65 (running 0.9.64)",
                "profile hetzner-basic is incompatible: requires Core <0.9.0 (bound 0.9.6)");
    }
}
