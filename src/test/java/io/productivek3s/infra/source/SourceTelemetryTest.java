package io.productivek3s.infra.source;

import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.ONPREM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.telemetry.Telemetry;
import io.productivek3s.infra.telemetry.TelemetryRun;
import io.productivek3s.infra.testing.FakeTools;
import io.productivek3s.infra.testing.ProfilesCheckoutFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The telemetry seam of source and legacy dispatch (docs/telemetry.md#who-decides): {@code begin} once, after every check
 * and right before the first child, with the command as typed, the canonical scenario and the source profile's
 * own choice; {@code end} exactly once with the exit code; nothing at all when a check fails.
 */
class SourceTelemetryTest {
    @TempDir
    Path home;

    FakeTools tools;
    ProfilesCheckoutFixture checkout;
    Map<String, String> env;
    Recording telemetry;

    @BeforeEach
    void setUp() throws Exception {
        tools = new FakeTools(home.resolve("fakes")).add("make");
        checkout = new ProfilesCheckoutFixture(home.resolve("checkout"));
        checkout.append(ONPREM, "TELEMETRY_ENABLED=yes");
        env = new LinkedHashMap<>();
        env.put("PATH", tools.bin() + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOME", home.toString());
        env.put("TMPDIR", Files.createDirectories(home.resolve("tmp")).toString());
        env.put("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.root().toString());
        telemetry = new Recording(tools);
    }

    @Test
    void sourceApplyAndDestroyEmitAroundTheChild() throws Exception {
        assertThat(source().run(SourceCommand.direct("apply"), profile(), false)).isZero();
        assertThat(telemetry.calls).containsExactly("begin apply onprem-basic user=yes emitting=true makes=0", "end 0 makes=1");
        telemetry.calls.clear();
        env.put("FAKE_MAKE_EXIT", "6");
        assertThat(source().run(SourceCommand.direct("apply"), profile(), false)).isEqualTo(6);
        assertThat(telemetry.calls).containsExactly("begin apply onprem-basic user=yes emitting=true makes=1", "end 6 makes=2");
    }

    @Test
    void dryRunsReadOnlyCommandsAndTheDevSurfaceDoNotEmit() throws Exception {
        source().run(SourceCommand.direct("apply"), profile(), true);
        source().run(SourceCommand.direct("status"), profile(), false);
        source().run(SourceCommand.dev("apply"), profile(), false);
        assertThat(telemetry.calls).containsExactly(
                "begin apply onprem-basic user=yes emitting=false makes=0", "end 0 makes=1",
                "begin status onprem-basic user=yes emitting=false makes=1", "end 0 makes=2",
                "begin dev onprem-basic user=yes emitting=false makes=2", "end 0 makes=3");
    }

    @Test
    void failedChecksNeverReachTelemetry() throws Exception {
        assertThatThrownBy(() -> source().run(SourceCommand.direct("destroy"), profile(), false)).isInstanceOf(EngineException.class);
        env.put("PRODUCTIVE_K3S_INFRA_MAKE_BIN", "no-such-make");
        assertThatThrownBy(() -> source().run(SourceCommand.direct("apply"), profile(), false)).isInstanceOf(EngineException.class);
        assertThatThrownBy(() -> legacy().run(List.of("onprem"), false)).isInstanceOf(EngineException.class);
        env.remove("PRODUCTIVE_K3S_INFRA_MAKE_BIN");
        env.remove("PRODUCTIVE_K3S_PROFILES_REPO_DIR");
        assertThatThrownBy(() -> source().run(SourceCommand.direct("apply"), profile(), false)).isInstanceOf(EngineException.class);
        assertThatThrownBy(() -> legacy().run(List.of("onprem"), false)).isInstanceOf(EngineException.class);
        assertThat(telemetry.calls).isEmpty();
        assertThat(tools.calls("make")).isEmpty();
    }

    @Test
    void legacyAliasesNameTheAliasAndTheCanonicalScenario() throws Exception {
        legacy().run(List.of("on-prem"), false);
        legacy().run(List.of("onprem-arm", "down", "V=1"), false);
        legacy().run(List.of("aws-single-node", "status"), false);
        legacy().run(List.of("multipass", "up"), true);
        assertThat(telemetry.calls).containsExactly(
                "begin on-prem onprem-basic user=- emitting=true makes=0", "end 0 makes=1",
                "begin onprem-arm onprem-basic-arm user=- emitting=true makes=1", "end 0 makes=2",
                "begin aws-single-node aws-single-node user=- emitting=false makes=2", "end 0 makes=3",
                "begin multipass multipass user=- emitting=false makes=3", "end 0 makes=4");
    }

    private String profile() {
        return checkout.path(ONPREM).toString();
    }

    private SourceDispatch source() {
        return new SourceDispatch(new InProcess(env, home.resolve("install"), home).context, telemetry);
    }

    private LegacyDispatch legacy() {
        return new LegacyDispatch(new InProcess(env, home.resolve("install"), home).context, telemetry);
    }

    /** Records each call with the number of make runs that had happened at that moment. */
    private static final class Recording implements Telemetry {
        final List<String> calls = new ArrayList<>();
        private final FakeTools tools;

        Recording(FakeTools tools) {
            this.tools = tools;
        }

        @Override
        public TelemetryRun begin(Command command, Optional<String> userFileValue, boolean emitting) {
            calls.add("begin " + command.name() + " " + command.scenario() + " user=" + userFileValue.orElse("-")
                    + " emitting=" + emitting + " makes=" + makes());
            return TelemetryRun.create(Optional.of(false), Map.of(), emitting);
        }

        @Override
        public void end(TelemetryRun run, int exitCode) {
            calls.add("end " + exitCode + " makes=" + makes());
        }

        private int makes() {
            try {
                return tools.calls("make").size();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
