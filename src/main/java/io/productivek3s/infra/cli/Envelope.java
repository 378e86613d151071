package io.productivek3s.infra.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * The envelope every {@code --json} document shares (docs/cli.md "JSON output"): {@code schema_version}, then
 * {@code command} (the command words), then {@code ok}, the one success field, then the command's result record,
 * whose components follow as fields of the same object. {@code profile}, {@code package} and {@code manifest} have
 * one shape wherever they appear ({@link Profile}, {@link Package}, {@link Manifest}).
 */
@JsonPropertyOrder({"schema_version", "command", "ok"})
record Envelope(String schemaVersion, String command, boolean ok, @JsonUnwrapped Object result) {
    static final String SCHEMA_VERSION = "1";

    static Envelope of(String command, boolean ok, Object result) {
        return new Envelope(SCHEMA_VERSION, command, ok, result);
    }

    static Envelope ok(String command, Object result) {
        return of(command, true, result);
    }

    /**
     * A contract document (docs/cli.md#json-output: bundle-info, bom) with {@code command} and {@code ok: true} after it: the
     * contract fixes its keys and their order, so the envelope's keys come after them rather than before.
     */
    record AfterContract(@JsonUnwrapped Object contract, String command, boolean ok) {
        AfterContract(Object contract, String command) {
            this(contract, command, true);
        }
    }

    /** {@code "profile": {name, version, scenario, engine}}: the package's identity; unknown parts are null. */
    record Profile(String name, String version, String scenario, String engine) {
    }

    /**
     * {@code "package": {sha256, ref, path}}: which archive; {@code ref} as the user gave it (path, URL, catalog
     * NAME@VERSION), {@code path} the local file it resolved to; unknown parts are null.
     */
    record Package(String sha256, String ref, String path) {
    }

    /** What profile.yaml says beyond the {@code profile} identity. */
    record Manifest(String category, String installScript) {
    }
}
