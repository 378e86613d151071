package io.productivek3s.infra.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.log.Redactor;
import io.productivek3s.infra.testing.TelemetryServer;
import io.productivek3s.infra.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpTelemetryTest {
    private static final Telemetry.Command COMMAND = new Telemetry.Command("profile", "onprem-basic");

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final AtomicInteger prompts = new AtomicInteger();

    @Test
    void readOnlyRunsNeitherAskNorSend() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.ACCEPT)) {
            Telemetry telemetry = telemetry(env(server.url(), "true"), "yes");
            TelemetryRun run = telemetry.begin(COMMAND, Optional.empty(), false);
            telemetry.end(run, 0);
            assertThat(run.enabled()).contains(true);
            assertThat(run.emitting()).isFalse();
            assertThat(prompts).hasValue(0);
            assertThat(server.requests()).isEmpty();
            assertThat(outbox()).doesNotExist();
        }
    }

    @Test
    void anExplicitChoiceIsNeverOverriddenByThePrompt() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.ACCEPT)) {
            Telemetry telemetry = telemetry(env(server.url(), "FALSE"), "yes");
            TelemetryRun run = telemetry.begin(COMMAND, Optional.of("true"), true);
            telemetry.end(run, 0);
            assertThat(run.enabled()).contains(false);
            assertThat(prompts).hasValue(0);
            assertThat(server.requests()).isEmpty();

            Telemetry fromFile = telemetry(env(server.url(), null), "no");
            TelemetryRun fileRun = fromFile.begin(COMMAND, Optional.of("On"), true);
            fromFile.end(fileRun, 0);
            assertThat(fileRun.enabled()).contains(true);
            assertThat(prompts).hasValue(0);
            assertThat(server.requests()).hasSize(2);
        }
    }

    @Test
    void anInvalidValueWarnsAndDisables() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.ACCEPT)) {
            Telemetry telemetry = telemetry(env(server.url(), "sometimes"), "yes");
            TelemetryRun run = telemetry.begin(COMMAND, Optional.empty(), true);
            telemetry.end(run, 0);
            assertThat(run.enabled()).contains(false);
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("[pk3s-infra] WARN  invalid TELEMETRY_ENABLED value 'sometimes'; telemetry disabled");
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void consentFromThePromptSendsStartedThenExactlyOneCompleted() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.ACCEPT)) {
            Map<String, String> env = env(server.url(), null);
            env.put("TELEMETRY_SESSION_ID", "sess-1");
            env.put("TELEMETRY_PARENT_RUN_ID", "pk3s-run");
            Telemetry telemetry = telemetry(env, "");
            TelemetryRun run = telemetry.begin(COMMAND, Optional.empty(), true);
            telemetry.end(run, 9);
            telemetry.end(run, 0);
            assertThat(prompts).hasValue(1);
            List<TelemetryServer.Request> requests = server.requests();
            assertThat(requests).hasSize(2);
            JsonNode started = Json.parse(requests.get(0).body());
            JsonNode completed = Json.parse(requests.get(1).body());
            assertThat(started.get("event_name").asText()).isEqualTo("infra.command.started");
            assertThat(completed.get("event_name").asText()).isEqualTo("infra.command.completed");
            assertThat(completed.get("command").get("result").asText()).isEqualTo("failed");
            for (JsonNode event : List.of(started, completed)) {
                assertThat(event.get("session_id").asText()).isEqualTo("sess-1");
                assertThat(event.get("run_id").asText()).isEqualTo(run.runId().orElseThrow());
                assertThat(event.get("parent_run_id").asText()).isEqualTo("pk3s-run");
                assertThat(event.get("command").get("scenario").asText()).isEqualTo("onprem-basic");
            }
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("DEBUG telemetry: enabled=true (prompt)",
                    "DEBUG telemetry: infra.command.completed result=failed exit_code=9 duration_ms=");
            assertThat(outbox()).doesNotExist();
        }
    }

    @Test
    void aHangingEndpointCostsAtMostTheBudgetAndFillsTheOutbox() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.HANG)) {
            Map<String, String> env = env(server.url(), "true");
            env.put("TELEMETRY_REQUEST_TIMEOUT_SECONDS", "1");
            Telemetry telemetry = telemetry(env, "yes");
            long start = System.nanoTime();
            TelemetryRun run = telemetry.begin(COMMAND, Optional.empty(), true);
            telemetry.end(run, 0);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            assertThat(elapsed).as("budget 1 s + 5 s").isLessThan(Duration.ofMillis(6_900));
            // started: 3 attempts of 1 s plus 1.5 s of backoff; completed follows it and is cut off by the budget
            String id = run.runId().orElseThrow();
            assertThat(names(outbox())).hasSize(4)
                    .contains("event-" + id + "-infra.command.started-attempt-3.json", "event-" + id + "-infra.command.started-attempt-3.status")
                    .anyMatch(name -> name.matches("event-" + id + "-infra\\.command\\.completed-attempt-[12]\\.json"));
            assertThat(server.requests()).hasSizeBetween(4, 5);
        }
    }

    @Test
    void aLaterRunReplaysTheOutboxOldestFirst() throws Exception {
        Map<String, String> env;
        String firstRun;
        try (TelemetryServer failing = new TelemetryServer(TelemetryServer.Mode.FAIL_500)) {
            env = env(failing.url(), "true");
            env.put("TELEMETRY_MAX_RETRIES", "1");
            Telemetry telemetry = telemetry(env, "yes");
            TelemetryRun run = telemetry.begin(COMMAND, Optional.empty(), true);
            telemetry.end(run, 0);
            firstRun = run.runId().orElseThrow();
        }
        assertThat(names(outbox())).hasSize(4).allMatch(name -> name.contains(firstRun));
        assertThat(Files.readAllLines(outbox().resolve("event-" + firstRun + "-infra.command.completed-attempt-1.status")))
                .contains("attempt=1", "curl_exit=22", "http_status=500").anyMatch(line -> line.startsWith("duration_ms="))
                .contains("exit_code=0");
        try (TelemetryServer accepting = new TelemetryServer(TelemetryServer.Mode.ACCEPT)) {
            env.put("TELEMETRY_ENDPOINT", accepting.url());
            Telemetry telemetry = telemetry(env, "yes");
            TelemetryRun second = telemetry.begin(COMMAND, Optional.empty(), true);
            telemetry.end(second, 0);
            List<String> runIds = accepting.requests().stream().map(r -> parse(r.body()).get("run_id").asText()).toList();
            assertThat(runIds).hasSize(4).containsOnly(firstRun, second.runId().orElseThrow());
            List<String> replayed = accepting.requests().stream().map(r -> parse(r.body()))
                    .filter(doc -> doc.get("run_id").asText().equals(firstRun)).map(doc -> doc.get("event_name").asText()).toList();
            assertThat(replayed).containsExactly("infra.command.started", "infra.command.completed");
        }
        assertThat(names(outbox())).isEmpty();
    }

    @Test
    void anEmptyEndpointMeansNoDeliveryAndNoOutbox() throws Exception {
        Telemetry telemetry = telemetry(env("", "true"), "yes");
        TelemetryRun run = telemetry.begin(COMMAND, Optional.empty(), true);
        telemetry.end(run, 0);
        assertThat(run.enabled()).contains(true);
        assertThat(outbox()).doesNotExist();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("DEBUG telemetry: endpoint none: TELEMETRY_ENDPOINT is empty");
    }

    private Map<String, String> env(String endpoint, String enabled) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.toString());
        env.put("TELEMETRY_ENDPOINT", endpoint);
        if (enabled != null) {
            env.put("TELEMETRY_ENABLED", enabled);
        }
        env.put("TELEMETRY_BEARER_TOKEN", "bearer-0123456789");
        return env;
    }

    private Telemetry telemetry(Map<String, String> env, String answer) {
        Log log = new Log(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), new Redactor());
        log.setDebug(true);
        ConsentPrompt prompt = new ConsentPrompt(() -> {
            prompts.incrementAndGet();
            return Optional.of(new ConsentPromptTest.ScriptedTerminal(answer));
        });
        return new HttpTelemetry(env, log, Clock.systemDefaultZone(), "test", tmp, prompt);
    }

    private Path outbox() {
        return tmp.resolve(".cache/pk3s/telemetry-outbox");
    }

    private static JsonNode parse(String body) {
        try {
            return Json.parse(body);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(path -> path.getFileName().toString()).filter(name -> !name.startsWith(".")).sorted().toList();
        }
    }
}
