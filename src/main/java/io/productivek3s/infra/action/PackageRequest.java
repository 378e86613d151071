package io.productivek3s.infra.action;

/**
 * What the user asked of a packaged profile: the command ({@code install}, {@code apply}, {@code status},
 * {@code plan}, {@code destroy}, {@code validate}, {@code export}), the {@code --tgz} and {@code --env-file} values as
 * typed (null when absent) and {@code --dry-run}.
 */
public record PackageRequest(String command, String tgz, String envFile, boolean dryRun) {
    public boolean installLike() {
        return command.equals("install") || command.equals("apply");
    }

    public String operation() {
        return "profile." + command;
    }
}
