package io.productivek3s.infra.source;

/**
 * One source-dispatch command as the user typed it (docs/contract/invocation.md#source-commands).
 *
 * @param token  first positional, as typed ({@code apply}, {@code dev}, {@code validate-profile}): named in the
 *               checkout message and, for emitting commands, in telemetry
 * @param action {@code validate}, {@code plan}, {@code apply}, {@code destroy} or {@code status}
 * @param label  the command as named in the "requires" message ({@code apply}, {@code dev profile apply})
 * @param dev    {@code dev profile …}: same dispatch, never emits telemetry [Compat]
 */
public record SourceCommand(String token, String action, String label, boolean dev) {
    /** {@code validate|plan|apply|destroy|status --profile F}. */
    public static SourceCommand direct(String action) {
        return new SourceCommand(action, action, action, false);
    }

    /** {@code dev profile <action> --profile-env F}. */
    public static SourceCommand dev(String action) {
        return new SourceCommand("dev", action, "dev profile " + action, true);
    }

    /** {@code validate-profile --profile F}. */
    public static SourceCommand validateProfile() {
        return new SourceCommand("validate-profile", "validate", "validate-profile", false);
    }

    public String requiresProfileMessage() {
        return "the '" + label + "' command requires " + (dev ? "--profile-env" : "--profile") + " <file>";
    }

    /** Operation name of the ndjson events (docs/contract/output.md#operation-events). */
    public String operation() {
        return "source." + action;
    }

    /** Source {@code apply}/{@code destroy}, outside dry-run and the dev surface (docs/telemetry.md#who-decides). */
    public boolean emitsTelemetry(boolean dryRun) {
        return !dev && !dryRun && (action.equals("apply") || action.equals("destroy"));
    }
}
