package io.productivek3s.infra.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.DoctorAction;
import io.productivek3s.infra.action.RunSummary;
import io.productivek3s.infra.action.ValidateAction;
import io.productivek3s.infra.action.VerifyAction;
import io.productivek3s.infra.export.ExportResult;
import io.productivek3s.infra.util.JsonEnvelope;
import io.productivek3s.infra.util.Timestamps;
import java.util.List;

/**
 * The {@code --json} documents of action results (schemas in docs/cli.md). Keys are snake_case like the contract's
 * JSON; every document starts with the {@link JsonEnvelope} ({@code schema_version}, {@code command}, {@code ok}).
 */
final class JsonResults {
    private JsonResults() {
    }

    static ObjectNode validate(ValidateAction.Result result) {
        ObjectNode root = header("profile validate");
        JsonEnvelope.profile(root, result.name(), result.version(), result.scenario(), result.engine());
        JsonEnvelope.packageRef(root, result.sha256(), result.ref(), result.path());
        manifest(root, result.category(), result.installScript());
        root.put("executable_as_is", result.problems().isEmpty());
        strings(root.putArray("problems"), result.problems());
        strings(root.putArray("warnings"), result.warnings());
        root.set("signature", result.signature().toJson());
        return root;
    }

    static ObjectNode verify(VerifyAction.Result result) {
        ObjectNode root = header("profile verify");
        JsonEnvelope.ok(root, result.accepted());
        JsonEnvelope.packageRef(root, result.sha256(), result.ref(), result.path());
        root.set("signature", result.verdict().toJson());
        return root;
    }

    static ObjectNode run(RunSummary summary) {
        ObjectNode root = header("profile " + summary.command());
        JsonEnvelope.ok(root, summary.exitCode() == 0);
        JsonEnvelope.profile(root, summary.profile(), summary.version(), summary.scenario(), summary.engine());
        JsonEnvelope.packageRef(root, summary.packageSha256(), summary.packageRef(), summary.packagePath());
        root.put("dry_run", summary.dryRun());
        root.put("exit_code", summary.exitCode());
        ObjectNode state = root.putObject("state");
        state.put("name", summary.stateName());
        state.put("change", summary.state());
        state.put("file", summary.stateFile());
        root.put("started_at", Timestamps.iso(summary.startedAt()));
        root.put("finished_at", Timestamps.iso(summary.finishedAt()));
        return root;
    }

    static ObjectNode export(ExportResult result, String output) {
        ObjectNode root = header("profile export");
        JsonEnvelope.profile(root, result.profile().name(), result.profile().version(), result.profile().scenarioType(),
                result.profile().engineType());
        JsonEnvelope.packageRef(root, result.sha256(), result.packageRef(), result.packagePath());
        root.put("output", output);
        root.put("path", result.output().toString());
        String name = result.output().getFileName() == null ? "" : result.output().getFileName().toString();
        root.put("format", name.endsWith(".tgz") || name.endsWith(".tar.gz") ? "archive" : "directory");
        strings(root.putArray("sensitive_inputs"), result.sensitiveInputs());
        return root;
    }

    static ObjectNode doctor(DoctorAction.Report report) {
        ObjectNode root = JsonEnvelope.ok(header("doctor"), report.failure().isEmpty());
        root.put("exit_code", report.failure().map(EngineException::exitCode).orElse(0));
        ArrayNode checks = root.putArray("checks");
        for (DoctorAction.Check check : report.checks()) {
            ObjectNode item = checks.addObject();
            item.put("status", check.status());
            item.put("message", check.message());
            if (check.exitCode() != 0) {
                item.put("exit_code", check.exitCode());
            }
        }
        return root;
    }

    static ObjectNode profiles(List<String> profiles) {
        ObjectNode root = header("list-profiles");
        strings(root.putArray("profiles"), profiles);
        return root;
    }

    /** The envelope (schema_version, command, ok: true); a document that can report a failure sets {@code ok}. */
    static ObjectNode header(String command) {
        return JsonEnvelope.start(command);
    }

    /** What profile.yaml says beyond the {@code profile} identity: the documents that show the manifest need it. */
    static ObjectNode manifest(ObjectNode root, String category, String installScript) {
        ObjectNode manifest = root.putObject("manifest");
        manifest.put("category", category);
        manifest.put("install_script", installScript);
        return manifest;
    }

    static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
