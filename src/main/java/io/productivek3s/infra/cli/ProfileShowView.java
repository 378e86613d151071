package io.productivek3s.infra.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.action.ProfileShowAction;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.util.JsonEnvelope;

/** {@code profile show} as text (aligned columns for people) and as the {@code profile-show} JSON document. */
final class ProfileShowView {
    private ProfileShowView() {
    }

    static String text(ProfileShowAction.Result result) {
        ProfileManifest manifest = result.manifest();
        StringBuilder text = new StringBuilder();
        text.append("Profile package: ").append(manifest.name()).append(' ').append(nullToEmpty(manifest.version())).append('\n');
        text.append("  scenario: ").append(result.scenario()).append("   engine: ").append(manifest.engineType())
                .append("   category: ").append(nullToEmpty(manifest.category())).append('\n');
        text.append("  install script: ").append(manifest.installScript()).append('\n');
        text.append("  sha256: ").append(result.sha256()).append('\n');
        text.append("  override env file: ").append(result.overrideFile() == null ? "(none)" : result.overrideFile()).append('\n');
        text.append("\nInputs:\n");
        if (result.inputs().isEmpty()) {
            text.append("  (none declared)\n");
        }
        int width = result.inputs().stream().mapToInt(input -> input.name().length()).max().orElse(0);
        for (ProfileShowAction.Input input : result.inputs()) {
            text.append("  ").append(pad(input.name(), width))
                    .append("  ").append(pad(input.required() ? "required" : "optional", 8))
                    .append("  ").append(pad(input.source(), 15))
                    .append("  ").append(pad(input.sensitive() ? "sensitive" : "", 9))
                    .append("  ").append(input.satisfied() ? "satisfied" : input.required() ? "MISSING" : "unset");
            if (input.origin() != null) {
                text.append(" (").append(input.origin()).append(')');
            }
            text.append('\n');
        }
        text.append("\nEnvironment (merged, as a run would see it):\n");
        int nameWidth = result.env().stream().mapToInt(variable -> variable.name().length() + variable.value().length() + 1).max().orElse(0);
        for (ProfileShowAction.Variable variable : result.env()) {
            text.append("  ").append(pad(variable.name() + "=" + variable.value(), nameWidth)).append("   # ")
                    .append(variable.origin()).append('\n');
        }
        text.append(result.ready() ? "\nAll required inputs are satisfied.\n" : "\nSome required inputs are missing; an install would stop (exit 4).\n");
        return text.toString();
    }

    static ObjectNode json(ProfileShowAction.Result result) {
        ProfileManifest manifest = result.manifest();
        ObjectNode root = JsonResults.header("profile show");
        JsonEnvelope.profile(root, manifest.name(), manifest.version(), result.scenario(), manifest.engineType());
        JsonEnvelope.packageRef(root, result.sha256(), result.packageRef(), result.packagePath());
        JsonResults.manifest(root, manifest.category(), manifest.installScript());
        root.put("override_env_file", result.overrideFile());
        root.put("ready", result.ready());
        root.set("signature", result.signature().toJson());
        ArrayNode inputs = root.putArray("inputs");
        for (ProfileShowAction.Input input : result.inputs()) {
            ObjectNode item = inputs.addObject();
            item.put("name", input.name());
            item.put("required", input.required());
            item.put("sensitive", input.sensitive());
            item.put("source", input.source());
            item.put("description", input.description());
            item.put("satisfied", input.satisfied());
            item.put("origin", input.origin());
        }
        ArrayNode env = root.putArray("env");
        for (ProfileShowAction.Variable variable : result.env()) {
            ObjectNode item = env.addObject();
            item.put("name", variable.name());
            item.put("value", variable.value());
            item.put("masked", variable.masked());
            ObjectNode origin = item.putObject("origin");
            origin.put("layer", variable.layer());
            origin.put("file", variable.file());
            origin.put("line", variable.line());
            origin.put("text", variable.origin());
        }
        return root;
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }
}
