package io.productivek3s.infra.cli;

/** Usage text per runtime surface (contract §3.1); section headings are part of the contract. */
final class HelpText {
    private static final String CMD = "./productive-k3s-infra.sh";

    private HelpText() {
    }

    static String render(boolean packageOnly) {
        StringBuilder text = new StringBuilder("Usage:\n");
        if (packageOnly) {
            line(text, CMD + " <command> [flags]");
            line(text, CMD + " profile <validate|install|plan|apply|destroy|status|export> --tgz <file> [flags]");
        } else {
            line(text, CMD + " <command> --profile <file> [flags]");
            line(text, CMD + " export --profile <file> --output <file|dir> [flags]");
            line(text, CMD + " profile <validate|install|plan|apply|destroy|status|export> --tgz <file> [flags]");
            line(text, CMD + " dev profile <validate|plan|apply|destroy|status|export> --profile-env <file> [flags]");
            line(text, CMD + " <scenario> [command] [make-args...]");
        }
        text.append('\n').append(packageOnly ? "Package-oriented commands:\n" : "Profile-driven commands:\n");
        for (String command : new String[] {"help", "version", "bundle info --json", "bom --json", "doctor"}) {
            line(text, command);
        }
        if (!packageOnly) {
            line(text, "list-profiles");
        }
        for (String sub : new String[] {"validate", "install", "plan", "apply", "destroy", "status"}) {
            line(text, "profile " + sub + " --tgz <file>");
        }
        line(text, "profile export --tgz <file> --output <file|dir>");
        if (!packageOnly) {
            line(text, "validate-profile --profile <file>");
            for (String cmd : new String[] {"validate", "plan", "apply", "destroy", "status"}) {
                line(text, cmd + " --profile <file>");
            }
            line(text, "export --profile <file> --output <file|dir>");
            text.append("\nLegacy compatibility:\n");
            line(text, "multipass [command]");
            line(text, "onprem | onprem-basic [command]");
            line(text, "onprem-arm | onprem-basic-arm [command]");
            line(text, "aws-single-node [command]");
        }
        text.append("\nSupported global flags:\n");
        if (!packageOnly) {
            line(text, "--profile <file>");
            line(text, "--profile-env <file>");
        }
        for (String flag : new String[] {"--tgz <file>", "--env-file <file>", "--output <file|dir>", "--debug", "--yes",
                "--dry-run", "--json", "--force", "--events ndjson"}) {
            line(text, flag);
        }
        artifactCommands(text);
        return text.toString();
    }

    /** [New] catalogs, URLs and Core bundles; a section of its own so the contract sections stay as they are. */
    private static void artifactCommands(StringBuilder text) {
        text.append("\nArtifact commands:\n");
        line(text, "profile <command> --tgz <url|name|name@version>   (catalogs: PK3S_CATALOG_URLS)");
        line(text, "catalog list [--json]");
        line(text, "catalog show <name>[@<version>] [--json]");
        line(text, "core fetch [--version <v>] [--json]");
        line(text, "core info [--version <v>] [--json]");
        line(text, "--offline   use only the download cache");
        text.append("\nAuthoring and diagnostics:\n");
        line(text, "profile pack --source <dir> --output <file.tgz>   (reproducible package, prints its sha256)");
        line(text, "profile pack --profile <file.env> --output <file.tgz>");
        line(text, "telemetry preview <command line>   (prints the events a command would send; sends nothing)");
    }

    private static void line(StringBuilder text, String content) {
        text.append("  ").append(content).append('\n');
    }
}
