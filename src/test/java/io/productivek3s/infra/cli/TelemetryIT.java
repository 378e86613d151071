package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.testing.SshKeys;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.TelemetryServer;
import io.productivek3s.infra.testing.Terminal;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Telemetry through the real launcher (docs/telemetry.md): consent, correlation, the events a test receiver on 127.0.0.1
 * gets, the exit budget against broken endpoints, the outbox, and that no secret is written anywhere.
 */
class TelemetryIT extends PackageTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BEARER = "bearer-it-9f8e7d6c5b4a";
    private static final String SITE_SECRET = "site-secret-4a5b6c7d";

    private TelemetryServer server;
    private Path outbox;

    @BeforeEach
    void setUp() throws IOException {
        server = new TelemetryServer(TelemetryServer.Mode.ACCEPT);
        outbox = home.resolve(".cache/pk3s/telemetry-outbox");
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nSITE_TOKEN=" + SITE_SECRET + "\n");
        pack();
        engine.env("TELEMETRY_ENDPOINT", server.url()).env("TELEMETRY_BEARER_TOKEN", BEARER);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void eventsCarryTheContractFieldsHeadersAndCorrelation() throws Exception {
        Engine.Result result = engine.env("TELEMETRY_ENABLED", "true").env("TELEMETRY_MARKER", "marker-it")
                .env("TELEMETRY_SESSION_ID", "sess-from-pk3s").env("TELEMETRY_PARENT_RUN_ID", "pk3s-run-1")
                .run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();

        List<TelemetryServer.Request> requests = server.requests();
        assertThat(requests).hasSize(2);
        for (TelemetryServer.Request request : requests) {
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.header("content-type")).isEqualTo("application/json");
            assertThat(request.header("x-productive-k3s-telemetry")).isEqualTo("marker-it");
            assertThat(request.header("authorization")).isEqualTo("Bearer " + BEARER);
            assertThat(request.header("user-agent")).startsWith("productive-k3s-infra/");
        }
        JsonNode started = JSON.readTree(requests.get(0).body());
        JsonNode completed = JSON.readTree(requests.get(1).body());
        String runId = started.get("run_id").asText();
        assertThat(runId).matches("[0-9a-f]{16}");
        assertThat(started.get("event_name").asText()).isEqualTo("infra.command.started");
        assertThat(completed.get("event_name").asText()).isEqualTo("infra.command.completed");
        assertThat(started.get("command").get("result").asText()).isEqualTo("started");
        assertThat(completed.get("command").get("result").asText()).isEqualTo("success");
        for (JsonNode event : List.of(started, completed)) {
            assertThat(event.get("schema_version").asText()).isEqualTo("1");
            assertThat(event.get("session_id").asText()).isEqualTo("sess-from-pk3s");
            assertThat(event.get("run_id").asText()).isEqualTo(runId);
            assertThat(event.get("parent_run_id").asText()).isEqualTo("pk3s-run-1");
            assertThat(event.get("command").get("name").asText()).isEqualTo("profile");
            assertThat(event.get("command").get("scenario").asText()).isEqualTo("onprem-basic");
            assertThat(event.get("client").get("telemetry_enabled").asText()).isEqualTo("true");
            assertThat(event.get("sent_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d\\d:\\d\\d");
        }
        // anonymous by construction: nothing about the machine, the user, the profile or its inputs
        String bodies = requests.get(0).body() + requests.get(1).body();
        assertThat(bodies).doesNotContain("10.0.0.5", "192.0.2", "fixture-profile", home.toString(), "ubuntu", SITE_SECRET, BEARER,
                InetAddress.getLocalHost().getHostName(), System.getProperty("user.name") + "\"");

        Map<String, String> child = recordedEnv("installer.env");
        assertThat(child).containsEntry("TELEMETRY_ENABLED", "true")
                .containsEntry("TELEMETRY_SESSION_ID", "sess-from-pk3s")
                .containsEntry("TELEMETRY_PARENT_RUN_ID", runId)
                .containsEntry("TELEMETRY_RUN_ID", "")
                .containsEntry("TELEMETRY_COMPONENT", "infra")
                .containsEntry("TELEMETRY_ENDPOINT", server.url())
                .containsEntry("TELEMETRY_MARKER", "marker-it")
                .containsEntry("TELEMETRY_BEARER_TOKEN", BEARER)
                .doesNotContainKeys("TELEMETRY_OUTBOX_DIR", "TELEMETRY_MAX_RETRIES", "TELEMETRY_USER_AGENT");
        assertThat(outbox).doesNotExist();
    }

    @Test
    void aFailingRunIsReportedAsFailedWithItsExitCodeUnchanged() throws Exception {
        Engine.Result result = engine.env("TELEMETRY_ENABLED", "true").env("FIXTURE_INSTALL_EXIT", "7")
                .run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(result.exitCode()).isEqualTo(7);
        assertThat(result.stderrLines()).containsExactly("[pk3s-infra] ERROR packaged profile installer failed with exit code 7");
        assertThat(server.requests()).hasSize(2);
        assertThat(JSON.readTree(server.requests().get(1).body()).get("command").get("result").asText()).isEqualTo("failed");
    }

    @ParameterizedTest
    @EnumSource(value = TelemetryServer.Mode.class, names = {"HANG", "FAIL_500"})
    void aBrokenEndpointCostsABoundedDelayAndChangesNothingElse(TelemetryServer.Mode mode) throws Exception {
        assertBrokenEndpointIsHarmless(() -> {
            server.mode(mode);
            return server.url();
        });
        if (mode == TelemetryServer.Mode.FAIL_500) {
            assertThat(server.requests()).hasSize(6); // 3 attempts per event
            assertThat(statusFiles()).allSatisfy(status -> assertThat(Files.readAllLines(status))
                    .contains("attempt=3", "curl_exit=22", "http_status=500"));
        }
    }

    @Test
    void aRefusingEndpointCostsABoundedDelayAndChangesNothingElse() throws Exception {
        assertBrokenEndpointIsHarmless(TelemetryServer::refusingUrl);
        assertThat(statusFiles()).allSatisfy(status -> assertThat(Files.readAllLines(status)).contains("attempt=3", "curl_exit=7", "http_status="));
    }

    private void assertBrokenEndpointIsHarmless(EndpointSupplier endpoint) throws Exception {
        engine.env("TELEMETRY_REQUEST_TIMEOUT_SECONDS", "1");
        long quietStart = System.nanoTime();
        Engine.Result quiet = engine.env("TELEMETRY_ENABLED", "false").run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        Duration quietTime = Duration.ofNanos(System.nanoTime() - quietStart);
        String url = endpoint.get();
        long start = System.nanoTime();
        Engine.Result broken = engine.env("TELEMETRY_ENABLED", "true").env("TELEMETRY_ENDPOINT", url)
                .run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        Duration brokenTime = Duration.ofNanos(System.nanoTime() - start);
        assertThat(broken.exitCode()).isEqualTo(quiet.exitCode()).isZero();
        assertThat(broken.stdout()).isEqualTo(quiet.stdout());
        assertThat(broken.stderr()).isEqualTo(quiet.stderr());
        // bound: TELEMETRY_REQUEST_TIMEOUT_SECONDS + 5 s after the action, plus JVM/timing noise on a shared machine
        assertThat(brokenTime.minus(quietTime)).as("extra wall time").isLessThan(Duration.ofSeconds(8));
        assertThat(payloadNames()).hasSize(2).allMatch(name -> name.matches("event-[0-9a-f]{16}-infra\\.command\\.(started|completed)-attempt-\\d+\\.json"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outbox))).isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(outbox)) {
            for (Path file : files.toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString()).isEqualTo("rw-------");
            }
        }
    }

    @Test
    void aSignalDuringTheExitWaitStillRecordsTheEvents() throws Exception {
        server.mode(TelemetryServer.Mode.HANG);
        Process process = engine.env("TELEMETRY_ENABLED", "true").env("TELEMETRY_REQUEST_TIMEOUT_SECONDS", "30")
                .start("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        process.getOutputStream().close();
        java.io.BufferedReader stdout = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = stdout.readLine()) != null && !line.contains("Persisted profile runtime state")) {
            // the last line before the engine starts waiting for deliveries
        }
        assertThat(line).as("the install finished").isNotNull();
        Thread.sleep(500);
        long start = System.nanoTime();
        process.destroy(); // SIGTERM
        assertThat(process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(process.exitValue()).isEqualTo(143);
        assertThat(payloadNames()).hasSize(2);
    }

    @FunctionalInterface
    private interface EndpointSupplier {
        String get() throws IOException;
    }

    @Test
    void theOutboxFillsAndThenDrainsOnALaterRun() throws Exception {
        server.mode(TelemetryServer.Mode.FAIL_500);
        Engine failing = engine.env("TELEMETRY_ENABLED", "true").env("TELEMETRY_MAX_RETRIES", "1").env("TELEMETRY_OUTBOX_DIR", "spool");
        assertThat(failing.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env").exitCode()).isZero();
        outbox = home.resolve("work/spool"); // relative to the caller's directory
        assertThat(payloadNames()).hasSize(2);
        String firstRun = JSON.readTree(server.requests().get(0).body()).get("run_id").asText();
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_OUTBOX_DIR", "spool");

        server.mode(TelemetryServer.Mode.ACCEPT);
        int before = server.requests().size();
        assertThat(failing.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env").exitCode()).isZero();
        List<JsonNode> received = new ArrayList<>();
        for (TelemetryServer.Request request : server.requests().subList(before, server.requests().size())) {
            received.add(JSON.readTree(request.body()));
        }
        assertThat(received).hasSize(4);
        List<String> replayed = received.stream().filter(event -> event.get("run_id").asText().equals(firstRun))
                .map(event -> event.get("event_name").asText()).toList();
        assertThat(replayed).containsExactly("infra.command.started", "infra.command.completed");
        assertThat(payloadNames()).isEmpty();
    }

    @Test
    void readOnlyAndDryRunCommandsNeverSend() throws Exception {
        engine.env("TELEMETRY_ENABLED", "true");
        for (String[] args : List.of(
                new String[] {"profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env"},
                new String[] {"profile", "plan", "--tgz", "fixture.tgz", "--env-file", "site.env"},
                new String[] {"profile", "validate", "--tgz", "fixture.tgz"},
                new String[] {"profile", "install", "--dry-run", "--tgz", "fixture.tgz", "--env-file", "site.env"},
                new String[] {"version"},
                new String[] {"doctor"},
                new String[] {"telemetry", "preview", "profile", "install", "--tgz", "fixture.tgz"})) {
            Engine.Result result = engine.run(args);
            assertThat(result.exitCode()).as(String.join(" ", args) + "\n" + result).isIn(0, 1, 4, 5);
        }
        assertThat(server.requests()).isEmpty();
        assertThat(outbox).doesNotExist();
        // children of a read-only command still learn the explicit choice
        assertThat(tools.calls("make").get(0).env()).containsEntry("TELEMETRY_ENABLED", "true").containsEntry("TELEMETRY_RUN_ID", "")
                .doesNotContainKey("TELEMETRY_SESSION_ID");
    }

    @Test
    void anEmptyEndpointDisablesDeliveryAndStaysEmptyForChildren() throws Exception {
        Engine.Result result = engine.env("TELEMETRY_ENABLED", "true").env("TELEMETRY_ENDPOINT", "")
                .run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(server.requests()).isEmpty();
        assertThat(outbox).doesNotExist();
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENDPOINT", "").containsEntry("TELEMETRY_ENABLED", "true")
                .doesNotContainKey("TELEMETRY_OUTBOX_DIR");
    }

    @Test
    void spellingsAreNormalizedAndTheUserFileCounts() throws Exception {
        assertThat(engine.env("TELEMETRY_ENABLED", "Yes").run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env").exitCode()).isZero();
        assertThat(server.requests()).hasSize(2);
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "true");

        Engine.Result invalid = engine.env("TELEMETRY_ENABLED", "maybe").run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(invalid.stdout()).contains("[pk3s-infra] WARN  invalid TELEMETRY_ENABLED value 'maybe'; telemetry disabled");
        assertThat(server.requests()).hasSize(2);
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "false");

        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nTELEMETRY_ENABLED=ON\n");
        assertThat(engine.unset("TELEMETRY_ENABLED").run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env").exitCode()).isZero();
        assertThat(server.requests()).hasSize(4);
        assertThat(engine.env("TELEMETRY_ENABLED", "false").run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env").exitCode()).isZero();
        assertThat(server.requests()).hasSize(4);
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "false");
    }

    @Test
    void persistedStateNeverOverridesAnExplicitOptOut() throws Exception {
        fixture.file("scripts/install.sh", """
                #!/usr/bin/env bash
                root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
                generated="$root/scenarios/edge/onprem-basic/generated"
                [ -f "$generated/cluster.json" ] && cp "$generated/cluster.json" "$FIXTURE_RECORD_DIR/restored-cluster.json"
                env -0 > "$FIXTURE_RECORD_DIR/installer.env"
                mkdir -p "$generated"
                printf '{"cluster_name":"c","telemetry":{"enabled":true,"endpoint":"x"}}' > "$generated/cluster.json"
                """, true);
        pack();
        assertThat(engine.env("TELEMETRY_ENABLED", "true").run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env").exitCode()).isZero();
        assertThat(server.requests()).hasSize(2);
        assertThat(JSON.readTree(stateDir.resolve("fixture-profile.json").toFile()).get("telemetry").get("enabled").asBoolean()).isTrue();

        Engine.Result optOut = engine.env("TELEMETRY_ENABLED", "false").run("profile", "apply", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(optOut.exitCode()).as(optOut.toString()).isZero();
        JsonNode restored = JSON.readTree(records.resolve("restored-cluster.json").toFile());
        assertThat(restored.get("telemetry").get("enabled").asBoolean()).isFalse();
        assertThat(restored.get("telemetry").get("endpoint").asText()).isEqualTo("x");
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "false");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void neitherTheBearerTokenNorSensitiveValuesAreWrittenAnywhere() throws Exception {
        fixture.env(io.productivek3s.infra.testing.ProfileFixture.DEFAULT_ENV + "SITE_TOKEN=package-default-secret\n");
        pack();
        server.mode(TelemetryServer.Mode.FAIL_500); // so the outbox is written too
        engine.env("TELEMETRY_ENABLED", "true").env("TELEMETRY_MAX_RETRIES", "1");
        List<Engine.Result> results = new ArrayList<>();
        results.add(engine.run("--debug", "profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env"));
        results.add(engine.run("--debug", "--events", "ndjson", "profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env"));
        results.add(engine.env("FIXTURE_INSTALL_EXIT", "3").run("--debug", "profile", "apply", "--tgz", "fixture.tgz", "--env-file", "site.env"));
        results.add(engine.run("--debug", "telemetry", "preview", "profile", "apply", "--tgz", "fixture.tgz", "--env-file", "site.env"));
        results.add(engine.run("--debug", "profile", "export", "--tgz", "fixture.tgz", "--env-file", "site.env", "--output", "bundle"));
        assertThat(results).extracting(Engine.Result::exitCode).containsExactly(0, 0, 3, 0, 0);
        assertThat(payloadNames()).isNotEmpty();
        assertThat(results.get(0).stderr()).contains("DEBUG telemetry: enabled=true (TELEMETRY_ENABLED)", "SITE_TOKEN=****");

        List<String> secrets = List.of(BEARER, SITE_SECRET, "package-default-secret");
        for (Engine.Result result : results) {
            assertThat(result.stdout() + result.stderr()).doesNotContain(secrets);
        }
        for (TelemetryServer.Request request : server.requests()) {
            assertThat(request.body()).doesNotContain(secrets);
        }
        for (FakeToolsCall call : makeCalls()) {
            assertThat(String.join(" ", call.args())).doesNotContain(secrets);
        }
        // every file the engine wrote: state, outbox, temp area (the inputs, the fixture and the children's own
        // environment dumps are excluded: they hold the values by design)
        List<Path> written = new ArrayList<>();
        // (in the export bundle, override.env and profile.tgz are byte copies of the user's own inputs)
        Path bundle = home.resolve("work/bundle");
        for (Path root : List.of(stateDir, outbox, home.resolve("tmp"), home.resolve(".cache"), bundle)) {
            if (Files.exists(root)) {
                try (Stream<Path> files = Files.walk(root)) {
                    files.filter(Files::isRegularFile)
                            .filter(f -> !f.equals(bundle.resolve("override.env")) && !f.equals(bundle.resolve("profile.tgz")))
                            .forEach(written::add);
                }
            }
        }
        assertThat(written).contains(bundle.resolve("manifest.json"), bundle.resolve("install-config.env"));
        assertThat(written).isNotEmpty();
        // The package cache holds the package's own content (a copy of the user's input, like profile.tgz in the
        // bundle): it may carry the package's default, never anything from the override file or the environment.
        Path packageCache = home.resolve(".cache/pk3s/packages");
        for (Path file : written) {
            String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            assertThat(content).as(file.toString())
                    .doesNotContain(file.startsWith(packageCache) ? List.of(BEARER, SITE_SECRET) : secrets);
        }
    }

    @Test
    void previewPrintsTheDocumentsWithoutSendingOrReadingMoreThanThePackage() throws Exception {
        Engine.Result result = engine.env("TELEMETRY_ENABLED", "true").env("TELEMETRY_SESSION_ID", "sess-7")
                .run("telemetry", "preview", "profile", "destroy", "--tgz", pack().toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderrLines()).containsExactly("[pk3s-infra] ERROR unsupported packaged profile command 'destroy' for scenario 'onprem-basic'");

        Engine.Result preview = engine.run("telemetry", "preview", "profile", "install", "--tgz", "fixture.tgz", "--env-file", "missing.env");
        assertThat(preview.exitCode()).as(preview.toString()).isZero();
        assertThat(preview.stderr()).isEmpty();
        JsonNode documents = JSON.readTree(preview.stdout());
        assertThat(documents.isArray()).isTrue();
        assertThat(documents).hasSize(2);
        assertThat(documents.get(0).get("event_name").asText()).isEqualTo("infra.command.started");
        assertThat(documents.get(1).get("command").get("result").asText()).isEqualTo("success");
        assertThat(documents.get(0).get("session_id").asText()).isEqualTo("sess-7");
        assertThat(documents.get(0).get("command").get("scenario").asText()).isEqualTo("onprem-basic");
        assertThat(documents.get(0).get("run_id")).isEqualTo(documents.get(1).get("run_id"));
        // a signed package: the verdict's INFO line goes to stderr, stdout stays the JSON array of the events (schema 1)
        SshKeys ssh = new SshKeys(Files.createDirectories(home.resolve("keys")));
        SshKeys.Key publisher = ssh.generate("publisher", "ed25519", 0);
        Path trust = Files.writeString(home.resolve("keys/allowed_signers"), SshKeys.signer("release@example.com", "", publisher));
        Path signature = ssh.sign(publisher, "pk3s-profile", home.resolve("work/fixture.tgz"));
        Engine.Result signed = engine.env("PK3S_ALLOWED_SIGNERS", trust.toString()).env("PK3S_SIGNATURE_POLICY", "require")
                .run("telemetry", "preview", "profile", "install", "--tgz", "fixture.tgz");
        assertThat(signed.exitCode()).as(signed.toString()).isZero();
        assertThat(signed.stderrLines()).singleElement().asString().startsWith("[pk3s-infra] INFO  signature of fixture.tgz verified");
        assertThat(JSON.readTree(signed.stdout())).hasSize(2);
        for (JsonNode document : JSON.readTree(signed.stdout())) {
            assertThat(document.get("schema_version").asText()).isEqualTo("1");
        }
        Files.delete(signature);
        engine.unset("PK3S_ALLOWED_SIGNERS").unset("PK3S_SIGNATURE_POLICY");

        assertThat(engine.run("telemetry", "preview", "profile", "status", "--tgz", "fixture.tgz").stdout()).isEqualTo("[]\n");
        assertThat(engine.run("telemetry", "preview", "profile", "install", "--dry-run", "--tgz", "fixture.tgz").stdout()).isEqualTo("[]\n");
        Engine.Result legacy = engine.run("telemetry", "preview", "onprem", "down");
        assertThat(JSON.readTree(legacy.stdout()).get(0).get("command").get("name").asText()).isEqualTo("onprem");
        assertThat(JSON.readTree(legacy.stdout()).get(0).get("command").get("scenario").asText()).isEqualTo("onprem-basic");
        assertThat(engine.run("telemetry", "preview", "onprem", "status").stdout()).isEqualTo("[]\n");
        assertError(engine.run("telemetry", "preview", "profile", "install", "--tgz", "nope.tgz"), 3, "tgz package not found: nope.tgz");
        assertError(engine.run("telemetry", "show"), 2, "unsupported telemetry command: show");
        Path bound = Files.createDirectories(home.resolve("bound/scripts")).getParent();
        Files.writeString(bound.resolve("scripts/release.env"), "PK3S_INFRA_RELEASE_TAG=0.9.65-0.9.6\nPK3S_CORE_SEMVER=0.9.6\n");
        assertError(engine.env("PRODUCTIVE_K3S_INFRA_REPO_DIR", bound.toString()).env("PRODUCTIVE_K3S_VERSION", "0.9.5")
                .run("telemetry", "preview", "profile", "install", "--tgz", "fixture.tgz"), 4,
                "release 0.9.65-0.9.6 is bound to productive-k3s 0.9.6; refusing requested PRODUCTIVE_K3S_VERSION=0.9.5");
        engine.unset("PRODUCTIVE_K3S_INFRA_REPO_DIR").unset("PRODUCTIVE_K3S_VERSION");
        assertThat(server.requests()).isEmpty();
        assertThat(outbox).doesNotExist();
        assertThat(stateDir.resolve("fixture-profile.json")).doesNotExist();
    }

    @Test
    void previewOfSourceCommandsNeedsOnlyTheProfileFile() throws Exception {
        Path profile = Files.writeString(home.resolve("work/basic.env"),
                "PK3S_INFRA_PROFILE_NAME=basic\nPK3S_INFRA_ENGINE=opentofu\nPK3S_INFRA_SCENARIO=aws-single-node\n");
        JsonNode documents = JSON.readTree(engine.run("telemetry", "preview", "destroy", "--profile", "basic.env").stdout());
        assertThat(documents).hasSize(2);
        assertThat(documents.get(0).get("command").get("name").asText()).isEqualTo("destroy");
        assertThat(documents.get(0).get("command").get("scenario").asText()).isEqualTo("aws-single-node");
        Files.writeString(profile, "PK3S_INFRA_PROFILE_NAME=basic\nPK3S_INFRA_ENGINE=ansible\nPK3S_INFRA_SCENARIO=on-prem\n");
        assertThat(JSON.readTree(engine.run("telemetry", "preview", "apply", "--profile", "basic.env").stdout()).get(1)
                .get("command").get("scenario").asText()).isEqualTo("onprem-basic");
        assertError(engine.run("telemetry", "preview", "destroy", "--profile", "basic.env"), 2,
                "unsupported command 'destroy' for scenario 'onprem-basic'");
        assertError(engine.run("telemetry", "preview", "apply"), 3, "the 'apply' command requires --profile <file>");
        assertThat(engine.run("telemetry", "preview", "status", "--profile", "basic.env").stdout()).isEqualTo("[]\n");
        assertThat(server.requests()).isEmpty();
    }

    // --- consent on a real terminal -----------------------------------------------------------------------------

    @Test
    void aTerminalUserIsAskedOnceAndYesSends() throws Exception {
        Terminal.require();
        Terminal.Result result = onTerminal("yes\n", "profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.transcript()).isZero();
        assertThat(result.count("Enable anonymous telemetry for this run? [Y/n]: ")).isEqualTo(1);
        assertThat(result.transcript()).contains("fixture installer ran");
        assertThat(server.requests()).hasSize(2);
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "true");
        // the answer is remembered: the next interactive run is not asked again
        assertThat(result.transcript()).contains("Answer remembered in " + home.resolve(".config/pk3s/telemetry"));
        Terminal.Result again = onTerminal("", "profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(again.exitCode()).as(again.transcript()).isZero();
        assertThat(again.transcript()).doesNotContain("[Y/n]");
        assertThat(server.requests()).hasSize(4);
    }

    @Test
    void aTerminalUserCanSayNoOrGiveUp() throws Exception {
        Terminal.require();
        Terminal.Result no = onTerminal("No\n", "profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(no.exitCode()).as(no.transcript()).isZero();
        assertThat(no.count("[Y/n]: ")).isEqualTo(1);
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "false");
        Path remembered = home.resolve(".config/pk3s/telemetry");
        assertThat(Files.readString(remembered)).isEqualTo("false\n");
        Files.delete(remembered); // asked again from here on

        Terminal.Result invalid = onTerminal("maybe\nlater\nwhat\n", "profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(invalid.exitCode()).as(invalid.transcript()).isZero();
        assertThat(invalid.count("[Y/n]: ")).isEqualTo(3);
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "false");

        Terminal.Result eof = Terminal.run(engine, home.resolve("work"), "", true, "",
                "profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(eof.exitCode()).as(eof.transcript()).isZero();
        assertThat(eof.count("[Y/n]: ")).isEqualTo(1);
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "false");
        assertThat(server.requests()).isEmpty();
        assertThat(remembered).as("no clear answer is remembered").doesNotExist();
    }

    @Test
    void onATerminalNothingAsksUnlessAMutatingCommandIsAboutToAct() throws Exception {
        Terminal.require();
        List<Terminal.Result> results = List.of(
                onTerminal("yes\n", "profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env"),
                onTerminal("yes\n", "profile", "install", "--dry-run", "--tgz", "fixture.tgz", "--env-file", "site.env"),
                onTerminal("yes\n", "telemetry", "preview", "profile", "install", "--tgz", "fixture.tgz"),
                // failed validation never prompts: the required input is missing
                onTerminal("yes\n", "profile", "install", "--tgz", "fixture.tgz"),
                // stdout is not a terminal: no prompt, telemetry off
                Terminal.run(engine, home.resolve("work"), "yes\n", false, " > out.txt",
                        "profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env"));
        assertThat(results).extracting(Terminal.Result::exitCode).containsExactly(0, 0, 0, 4, 0);
        assertThat(results).allSatisfy(result -> assertThat(result.transcript()).doesNotContain("[Y/n]"));
        assertThat(Files.readString(home.resolve("work/out.txt"))).contains("fixture installer ran").doesNotContain("[Y/n]");
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "false");
        assertThat(server.requests()).isEmpty();
    }

    private Terminal.Result onTerminal(String input, String... args) {
        return Terminal.run(engine, home.resolve("work"), input, false, "", args);
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private record FakeToolsCall(List<String> args) {
    }

    private List<FakeToolsCall> makeCalls() throws IOException {
        return tools.calls("make").stream().map(call -> new FakeToolsCall(call.args())).toList();
    }

    private List<String> payloadNames() throws IOException {
        if (!Files.isDirectory(outbox)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(outbox)) {
            return files.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".json")).sorted().toList();
        }
    }

    private List<Path> statusFiles() throws IOException {
        try (Stream<Path> files = Files.list(outbox)) {
            return files.filter(path -> path.getFileName().toString().endsWith(".status")).toList();
        }
    }
}
