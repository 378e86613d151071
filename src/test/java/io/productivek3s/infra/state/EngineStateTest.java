package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.state.EngineState.Engine;
import io.productivek3s.infra.state.EngineState.LastAction;
import io.productivek3s.infra.state.EngineState.PackageRef;
import io.productivek3s.infra.state.EngineState.Profile;
import io.productivek3s.infra.state.EngineState.Result;
import java.io.IOException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EngineStateTest {
    static EngineState sample(String version, String digest, Result result) {
        return EngineState.of(
                new Profile("aws-single-node", version, "aws-single-node", "opentofu"),
                new PackageRef(digest, "profiles/aws-single-node.tgz"),
                Engine.java("0.9.65"),
                new LastAction("install", result, result == Result.SUCCESS ? 0 : 7,
                        Instant.parse("2026-03-01T10:00:00Z"), Instant.parse("2026-03-01T10:05:30Z")));
    }

    @Test
    void writesTheDocumentedShape() {
        assertThat(sample("1.2.0", "ab12", Result.FAILED).toJson()).isEqualTo("""
                {
                  "schema_version": "1",
                  "profile": {
                    "name": "aws-single-node",
                    "version": "1.2.0",
                    "scenario": "aws-single-node",
                    "engine": "opentofu"
                  },
                  "package": {
                    "sha256": "ab12",
                    "ref": "profiles/aws-single-node.tgz"
                  },
                  "engine": {
                    "name": "productive-k3s-infra",
                    "version": "0.9.65",
                    "language": "java"
                  },
                  "last_action": {
                    "command": "install",
                    "result": "failed",
                    "exit_code": 7,
                    "started_at": "2026-03-01T10:00:00Z",
                    "finished_at": "2026-03-01T10:05:30Z"
                  }
                }
                """);
    }

    @Test
    void roundTripsEveryResult() throws IOException {
        for (Result result : Result.values()) {
            EngineState state = sample("1.0.0", "cafe", result);
            assertThat(EngineState.fromJson(state.toJson())).isEqualTo(state);
        }
    }

    @Test
    void readsPartialDocumentsAndStringNumbers() throws IOException {
        EngineState state = EngineState.fromJson("""
                {"schema_version": "1", "last_action": {"command": "status", "result": "success", "exit_code": "0"}}
                """);
        assertThat(state.profile()).isNull();
        assertThat(state.pkg()).isNull();
        assertThat(state.lastAction().exitCode()).isZero();
        assertThat(state.lastAction().startedAt()).isNull();
        assertThat(EngineState.fromJson(sample("1", "d", Result.SUCCESS).toJson().replace("\"ab12\"", "null")))
                .isNotNull();
    }

    @Test
    void rejectsMalformedDocuments() {
        for (String bad : new String[] {"", "[]", "{", "{\"profile\": 3}", "{\"last_action\": {\"result\": \"ok\"}}",
                "{\"last_action\": {\"exit_code\": \"x\"}}", "{\"last_action\": {\"started_at\": \"yesterday\"}}"}) {
            assertThatThrownBy(() -> EngineState.fromJson(bad)).as(bad).isInstanceOf(IOException.class);
        }
    }

    @Test
    void identityWarningNamesBothVersionsOrDigests() {
        EngineState previous = sample("1.0.0", "aaa", Result.SUCCESS);
        assertThat(sample("1.0.0", "aaa", Result.SUCCESS).identityWarning(previous)).isEmpty();
        assertThat(sample("1.1.0", "bbb", Result.SUCCESS).identityWarning(previous)).contains(
                "profile 'aws-single-node' state was created from version 1.0.0; now running version 1.1.0");
        assertThat(sample("1.0.0", "bbb", Result.SUCCESS).identityWarning(previous)).contains(
                "profile 'aws-single-node' state was created from version 1.0.0 (sha256 aaa);"
                        + " now running version 1.0.0 (sha256 bbb)");
        assertThat(sample("1.0.0", "aaa", Result.SUCCESS).identityWarning(null)).isEmpty();
    }
}
