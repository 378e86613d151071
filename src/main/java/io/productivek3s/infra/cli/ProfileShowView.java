package io.productivek3s.infra.cli;

import io.productivek3s.infra.action.ProfileShowAction;
import io.productivek3s.infra.pkg.ProfileManifest;

/** {@code profile show} as text, aligned columns for people; its JSON document is {@link PackageDocuments.Show}. */
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

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }
}
