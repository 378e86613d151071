package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.testing.CatalogFixture;
import io.productivek3s.infra.testing.CoreReleaseFixture;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.PostgresServer;
import io.productivek3s.infra.testing.ProfileFixture;
import io.productivek3s.infra.testing.ProfilesCheckoutFixture;
import io.productivek3s.infra.testing.TestHttpServer;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one JSON style of docs/cli.md "JSON output", checked against the real {@code --json} output of every command
 * whose {@link CommandTable} row has a JSON form: the envelope ({@code schema_version}, {@code command}, {@code ok}
 * first; after the contract's keys in the contract's own documents), one success field, the one shape of
 * {@code profile} and {@code package}, and one timestamp format on every timestamp-like value. A command added to the
 * table with a JSON form fails this test until it is run here.
 */
class JsonSchemaIT extends PackageTestBase {
    private static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    private static final Pattern LOOKS_LIKE_TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d.*");
    /** Documents the contract fixes (docs/cli.md#json-output): its keys first, in its order; the envelope's command and ok follow. */
    private static final Set<String> CONTRACT_DOCUMENTS = Set.of("version", "bundle info", "bom");
    /** Older success spellings: one name ({@code ok}) is left. */
    private static final Set<String> RETIRED_SUCCESS = Set.of("success", "valid");
    /** Flat spellings of the profile and package identity that {@code profile}/{@code package} replaced. */
    private static final Set<String> RETIRED_KEYS = Set.of("profile_name", "profile_version", "package_sha256");

    private TestHttpServer server;
    /** Every document checked, by the command it claims to be; the coverage check compares it with the table. */
    private final Map<String, JsonNode> checked = new LinkedHashMap<>();

    @BeforeEach
    void serve() throws IOException {
        server = new TestHttpServer();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void everyCommandWithAJsonFormPrintsTheDocumentedEnvelopeAndShapes() throws Exception {
        // a data-driven scenario with a destroy target, so destroy removes state
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: custom"))
                .env(ProfileFixture.DEFAULT_ENV + "PK3S_INFRA_CATEGORY=edge\nPK3S_INFRA_SCENARIO_PATH=scenarios/edge/custom\n"
                        + "PK3S_INFRA_DESTROY_TARGET=teardown\n")
                .file("scenarios/edge/custom/Makefile", "up:\n\t@echo up\n", false);
        engine.env("FIXTURE_SCENARIO_PATH", "scenarios/edge/custom").env("TELEMETRY_ENABLED", "false");
        byte[] tgz = Files.readAllBytes(pack());
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        String[] pkg = {"--tgz", "fixture.tgz", "--env-file", "site.env"};

        check(0, "version", "--json");
        check(0, "bundle", "info", "--json");
        check(0, "bom", "--json");
        JsonNode validated = check(0, "profile", "validate", "--tgz", "fixture.tgz", "--json");
        assertThat(validated.at("/package/sha256").asText()).isEqualTo(Digests.sha256(tgz));
        assertThat(validated.at("/package/ref").asText()).isEqualTo("fixture.tgz");
        assertThat(validated.at("/manifest/install_script").asText()).isNotEmpty();
        check(0, "profile", "show", pkg[0], pkg[1], pkg[2], pkg[3], "--json");
        check(0, "profile", "verify", "--tgz", "fixture.tgz", "--json");
        check(0, "doctor", pkg[0], pkg[1], pkg[2], pkg[3], "--json");
        JsonNode installed = check(0, "profile", "install", pkg[0], pkg[1], pkg[2], pkg[3], "--json");
        assertThat(installed.at("/package/path").asText()).isEqualTo(home.resolve("work/fixture.tgz").toString());
        check(0, "profile", "apply", pkg[0], pkg[1], pkg[2], pkg[3], "--json");
        check(0, "profile", "status", pkg[0], pkg[1], pkg[2], pkg[3], "--json");
        check(0, "profile", "plan", pkg[0], pkg[1], pkg[2], pkg[3], "--json");

        check(0, "profile", "list", "--json");
        JsonNode listed = check(0, "state", "list", "--json");
        assertThat(listed.at("/clusters/0/profile/name").asText()).isEqualTo("fixture-profile");
        JsonNode shown = check(0, "state", "show", "fixture-profile", "--json");
        assertThat(shown.at("/package/sha256").asText()).isEqualTo(Digests.sha256(tgz));
        check(0, "state", "history", "fixture-profile", "--json");
        check(0, "state", "pull", "fixture-profile", "--output", "pulled", "--json");
        check(0, "state", "rollback", "fixture-profile", "--revision", "1", "--json");
        check(0, "state", "push", "fixture-profile", "--from", "pulled", "--json");
        check(0, "state", "unlock", "fixture-profile", "--force", "--json");
        JsonNode key = check(0, "state", "keygen", "--output", "team.key", "--json");
        assertThat(key.get("key_id").asText()).isNotBlank();
        assertThat(key.toString()).doesNotContain(Files.readString(home.resolve("work/team.key")).trim());

        JsonNode exported = check(0, "profile", "export", "--tgz", "fixture.tgz", "--output", "bundle", "--json");
        assertThat(exported.at("/package/sha256").asText()).isEqualTo(Digests.sha256(tgz));
        check(0, "profile", "destroy", pkg[0], pkg[1], pkg[2], pkg[3], "--json");

        ProfilesCheckoutFixture checkout = new ProfilesCheckoutFixture(home.resolve("checkout"));
        check(0, engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.root().toString()), "list-profiles", "--json");

        serveCatalog(tgz);
        check(0, "catalog", "list", "--json");
        JsonNode entry = check(0, "catalog", "show", "fixture-profile", "--json");
        assertThat(entry.at("/entry/id").asText()).isEqualTo("fixture-profile-1");

        byte[] core = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.6", null));
        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", core, null);
        engine.env("PRODUCTIVE_K3S_RELEASE_API_URL", server.base());
        check(0, "core", "fetch", "--version", "0.9.6", "--json");
        check(0, "core", "info", "--version", "0.9.6", "--json");
        // last: the local state dir becomes the mirror of the database it was migrated to
        PostgresServer postgres = PostgresServer.shared();
        String database = postgres.createDatabase(getClass().getSimpleName());
        engine.env("PGPASSWORD", PostgresServer.PASSWORD);
        check(0, "state", "migrate", "--to", postgres.url(database), "--json");
        // then on that database, with encryption on: the state-rekey document of state rekey (and migrate --encrypt)
        engine.env("PK3S_STATE_BACKEND", postgres.url(database)).env("PK3S_STATE_ENCRYPTION_KEY_FILE", "team.key");
        JsonNode sealed = check(0, "state", "migrate", "--encrypt", "--json");
        assertThat(sealed.get("mode").asText()).isEqualTo("encrypt");
        JsonNode rekeyed = check(0, "state", "rekey", "--all", "--json");
        assertThat(rekeyed.get("key_id").asText()).isEqualTo(key.get("key_id").asText());
        assertThat(rekeyed.at("/clusters/0/name").asText()).isEqualTo("fixture-profile");

        Set<String> withJson = new TreeSet<>();
        CommandTable.all().stream().filter(spec -> spec.json().supported()).forEach(spec -> withJson.add(spec.name()));
        assertThat(new TreeSet<>(checked.keySet())).as("every command with a JSON form is checked").isEqualTo(withJson);
    }

    @Test
    void failuresReportOkFalseInTheSameEnvelope() throws Exception {
        pack();
        JsonNode doctor = check(4, "doctor", "--tgz", "fixture.tgz", "--json");
        assertThat(doctor.get("exit_code").asInt()).isEqualTo(4);
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        engine.env("FIXTURE_INSTALL_EXIT", "7");
        JsonNode install = check(7, "profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env", "--json");
        assertThat(install.get("exit_code").asInt()).isEqualTo(7);
    }

    @Test
    void dashOJsonAndOutputJsonAreJsonWhereOutputIsNoPath() throws Exception {
        String version = engine.run("version", "--json").stdout();
        for (String[] spelling : List.of(new String[] {"-o", "json"}, new String[] {"-o=json"}, new String[] {"--output", "json"},
                new String[] {"--output=json"})) {
            List<String> args = new ArrayList<>(List.of("version"));
            args.addAll(List.of(spelling));
            Engine.Result result = engine.run(args.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stdout()).as(String.join(" ", args)).isEqualTo(version);
            assertThat(result.stderr()).as("nothing ignored, nothing warned").isEmpty();
        }
        Engine.Result list = engine.run("state", "list", "-o", "json");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(Json.parse(list.stdout()).get("command").asText()).isEqualTo("state list");
        Engine.Result bom = engine.run("bom", "--output", "json");
        assertThat(bom.exitCode()).as(bom.toString()).isZero();

        assertError(engine.run("state", "list", "-o", "yaml"), 2,
                "unsupported output format: -o yaml ('state list' prints text, or JSON with --json, -o json or --output json)");
        assertError(engine.run("version", "--output", "table"), 2,
                "unsupported output format: --output table ('version' prints text, or JSON with --json, -o json or --output json)");
        // where --output is a path it stays one, and -o is ambiguous
        pack();
        assertError(engine.run("profile", "export", "--tgz", "fixture.tgz", "-o", "json"), 2,
                "-o is ambiguous for 'profile export', whose --output is a path: use --json for the JSON document, "
                        + "--output <path> for where to write");
        Engine.Result exported = engine.run("profile", "export", "--tgz", "fixture.tgz", "--output", "json");
        assertThat(exported.exitCode()).as(exported.toString()).isZero();
        assertThat(home.resolve("work/json/manifest.json")).exists();
        assertError(engine.run("state", "pull", "x", "-o", "json"), 2,
                "-o is ambiguous for 'state pull', whose --output is a path: use --json for the JSON document, "
                        + "--output <path> for where to write");
    }

    private JsonNode check(int exit, String... args) throws IOException {
        return check(exit, engine, args);
    }

    /** Runs one command and checks its document against docs/cli.md "JSON output"; returns the document. */
    private JsonNode check(int exit, Engine on, String... args) throws IOException {
        Engine.Result result = on.run(args);
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(exit);
        assertThat(result.stdout()).as(result.toString()).startsWith("{\n  \"schema_version\": \"1\",\n").endsWith("}\n");
        JsonNode doc = Json.parse(result.stdout());
        String command = doc.path("command").asText();
        List<String> keys = new ArrayList<>();
        doc.fieldNames().forEachRemaining(keys::add);
        if (CONTRACT_DOCUMENTS.contains(command)) {
            assertThat(keys.subList(keys.size() - 2, keys.size())).as(command + ": envelope after the contract's keys")
                    .containsExactly("command", "ok");
        } else {
            assertThat(keys.subList(0, 3)).as(command + ": envelope first").containsExactly("schema_version", "command", "ok");
        }
        assertThat(String.join(" ", args)).as("command names the command run").contains(command);
        assertThat(doc.get("ok").isBoolean()).as(command + ": ok is a boolean").isTrue();
        assertThat(doc.get("ok").asBoolean()).as(command + ": ok says whether it succeeded").isEqualTo(exit == 0);
        assertThat(keys).as(command + ": one success field").doesNotContainAnyElementsOf(RETIRED_SUCCESS).doesNotContain("result");
        walk(command, "", doc);
        checked.put(command, doc);
        return doc;
    }

    private static void walk(String command, String path, JsonNode node) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(command, path + "/" + i, node.get(i));
            }
            return;
        }
        if (!node.isObject()) {
            if (node.isTextual() && LOOKS_LIKE_TIME.matcher(node.asText()).matches()) {
                assertThat(node.asText()).as(command + " " + path + ": timestamp format").matches(TIMESTAMP);
            }
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            String at = path + "/" + key;
            assertThat(key).as(command + " " + at + ": retired key").isNotIn(RETIRED_KEYS);
            if (key.endsWith("_at") || key.equals("when") || key.equals("generatedAt")) {
                assertThat(value.isNull() || value.isTextual() && TIMESTAMP.matcher(value.asText()).matches())
                        .as(command + " " + at + ": timestamp format, got " + value).isTrue();
            }
            if (key.equals("profile")) {
                assertShape(command, at, value, "name", "version", "scenario", "engine");
            }
            if (key.equals("package")) {
                assertShape(command, at, value, "sha256", "ref", "path");
            }
            walk(command, at, value);
        }
    }

    private static void assertShape(String command, String at, JsonNode value, String... keys) {
        if (value.isNull()) {
            return;
        }
        assertThat(value.isObject()).as(command + " " + at + ": an object, got " + value).isTrue();
        List<String> names = new ArrayList<>();
        value.fieldNames().forEachRemaining(names::add);
        assertThat(names).as(command + " " + at).containsExactly(keys);
        value.forEach(part -> assertThat(part.isNull() || part.isTextual()).as(command + " " + at + ": " + part).isTrue());
    }

    private void serveCatalog(byte[] tgz) {
        CatalogFixture catalog = new CatalogFixture(server);
        catalog.serve("productive-k3s-catalog", catalog.publish("fixture-profile-1", "fixture-profile", "1.0.0", tgz, ""));
        engine.env("PK3S_CATALOG_URLS", catalog.indexUrl());
    }
}
