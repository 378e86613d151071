package io.productivek3s.infra.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.DoctorAction;
import io.productivek3s.infra.action.RunSummary;
import io.productivek3s.infra.action.ValidateAction;
import io.productivek3s.infra.export.ExportResult;
import io.productivek3s.infra.util.Json;
import java.util.List;

/**
 * The {@code --json} documents of action results (schemas in docs/cli.md). Keys are snake_case like the contract's
 * JSON; every document starts with {@code schema_version} and {@code command}.
 */
final class JsonResults {
    static final String SCHEMA = "1";

    private JsonResults() {
    }

    static ObjectNode validate(ValidateAction.Result result) {
        ObjectNode root = header("profile validate");
        root.put("valid", true);
        ObjectNode pkg = root.putObject("package");
        pkg.put("name", result.name());
        pkg.put("version", result.version());
        pkg.put("scenario", result.scenario());
        pkg.put("engine", result.engine());
        pkg.put("install_script", result.installScript());
        root.put("executable_as_is", result.problems().isEmpty());
        strings(root.putArray("problems"), result.problems());
        strings(root.putArray("warnings"), result.warnings());
        return root;
    }

    static ObjectNode run(RunSummary summary) {
        ObjectNode root = header("profile " + summary.command());
        ObjectNode profile = root.putObject("profile");
        profile.put("name", summary.profile());
        profile.put("version", summary.version());
        profile.put("scenario", summary.scenario());
        profile.put("engine", summary.engine());
        profile.put("package_sha256", summary.packageSha256());
        root.put("dry_run", summary.dryRun());
        root.put("success", summary.exitCode() == 0);
        root.put("exit_code", summary.exitCode());
        ObjectNode state = root.putObject("state");
        state.put("name", summary.stateName());
        state.put("change", summary.state());
        state.put("file", summary.stateFile());
        root.put("started_at", summary.startedAt().toString());
        root.put("finished_at", summary.finishedAt().toString());
        return root;
    }

    static ObjectNode export(ExportResult result, String output) {
        ObjectNode root = header("profile export");
        root.put("profile", result.profileName());
        root.put("output", output);
        root.put("path", result.output().toString());
        String name = result.output().getFileName() == null ? "" : result.output().getFileName().toString();
        root.put("format", name.endsWith(".tgz") || name.endsWith(".tar.gz") ? "archive" : "directory");
        strings(root.putArray("sensitive_inputs"), result.sensitiveInputs());
        return root;
    }

    static ObjectNode doctor(DoctorAction.Report report) {
        ObjectNode root = header("doctor");
        root.put("ok", report.failure().isEmpty());
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

    static ObjectNode header(String command) {
        ObjectNode root = Json.object();
        root.put("schema_version", SCHEMA);
        root.put("command", command);
        return root;
    }

    static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
