package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The {@code override} section of engine-state.json and the one run WARN built from it (#9). */
class EngineStateOverrideTest {
    private static EngineState state(String version, String digest, EngineState.Override override) {
        return EngineState.of(new EngineState.Profile("demo-profile", version, "onprem-basic", "ansible"),
                new EngineState.PackageRef(digest, "demo.tgz", "/pkg/demo.tgz"), EngineState.Engine.java("1.0.0"), null)
                .withOverride(override);
    }

    private static final EngineState.Override A = new EngineState.Override("aaa", "/a/site-a.env");
    private static final EngineState.Override B = new EngineState.Override("bbb", "/b/site-b.env");

    @Test
    void roundTripsAndToleratesOlderRecords() throws IOException {
        EngineState written = state("1.0.0", "d1", A);
        assertThat(EngineState.fromJson(written.toJson())).isEqualTo(written);
        EngineState none = state("1.0.0", "d1", EngineState.Override.NONE);
        assertThat(EngineState.fromJson(none.toJson()).override()).isEqualTo(EngineState.Override.NONE);
        var json = io.productivek3s.infra.util.Json.parse(none.toJson()).get("override");
        assertThat(json.get("sha256").isNull()).isTrue();
        assertThat(json.get("path").isNull()).isTrue();
        EngineState old = EngineState.fromJson("{\"schema_version\": \"1\", \"package\": {\"sha256\": \"d\", \"ref\": \"x.tgz\"}}");
        assertThat(old.override()).isNull();
        assertThat(old.pkg().path()).isNull();
        assertThat(EngineState.fromJson("{\"override\": null}").override()).isEqualTo(EngineState.Override.NONE);
    }

    @Test
    void oneWarnForAnOverrideChangeAPackageChangeOrBoth() {
        assertThat(state("1.0.0", "d1", B).runWarning("siteA", state("1.0.0", "d1", A))).contains("state 'siteA' was last "
                + "written from override file /a/site-a.env (sha256 aaa); this run uses /b/site-b.env (sha256 bbb); use --name "
                + "<cluster> to keep clusters apart");
        assertThat(state("1.0.0", "d1", new EngineState.Override("aaa", "/moved/a.env")).runWarning("siteA", state("1.0.0", "d1", A)))
                .isEmpty();
        assertThat(state("2.0.0", "d2", A).runWarning("siteA", state("1.0.0", "d1", A))).contains("profile 'demo-profile' state "
                + "was created from version 1.0.0; now running version 2.0.0; use --name <cluster> to keep clusters apart");
        assertThat(state("2.0.0", "d2", EngineState.Override.NONE).runWarning("siteA", state("1.0.0", "d1", A))).contains(
                "profile 'demo-profile' state was created from version 1.0.0; now running version 2.0.0; it was last written "
                        + "from override file /a/site-a.env (sha256 aaa); this run uses no override file; use --name <cluster> "
                        + "to keep clusters apart");
        assertThat(state("1.0.0", "d1", A).runWarning("siteA", state("1.0.0", "d1", EngineState.Override.NONE))).contains(
                "state 'siteA' was last written from no override file; this run uses /a/site-a.env (sha256 aaa); use --name "
                        + "<cluster> to keep clusters apart");
        // a record from before #9 has no override section: unknown, never warned about
        assertThat(state("1.0.0", "d1", A).runWarning("siteA", state("1.0.0", "d1", null))).isEmpty();
    }
}
