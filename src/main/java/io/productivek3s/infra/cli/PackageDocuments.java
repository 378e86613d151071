package io.productivek3s.infra.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.DoctorAction;
import io.productivek3s.infra.action.ProfileShowAction;
import io.productivek3s.infra.action.RunSummary;
import io.productivek3s.infra.action.ValidateAction;
import io.productivek3s.infra.action.VerifyAction;
import io.productivek3s.infra.cli.Envelope.Manifest;
import io.productivek3s.infra.cli.Envelope.Package;
import io.productivek3s.infra.cli.Envelope.Profile;
import io.productivek3s.infra.export.ExportResult;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.sign.SshKey;
import io.productivek3s.infra.sign.Verdict;
import io.productivek3s.infra.util.Timestamps;
import java.util.List;

/**
 * The {@code --json} documents of the package commands (schemas in docs/cli.md "JSON output"), as records: each
 * record's components are the document's fields after the {@link Envelope}, in order, named in snake_case.
 */
final class PackageDocuments {
    private PackageDocuments() {
    }

    /** {@code validate}. */
    record Validate(Profile profile, @JsonProperty("package") Package pkg, Manifest manifest, boolean executableAsIs, List<String> problems,
            List<String> warnings, Signature signature) {
        static Envelope of(ValidateAction.Result r) {
            return Envelope.ok("profile validate", new Validate(new Profile(r.name(), r.version(), r.scenario(), r.engine()),
                    new Package(r.sha256(), r.ref(), r.path()), new Manifest(r.category(), r.installScript()),
                    r.problems().isEmpty(), r.problems(), r.warnings(), Signature.of(r.signature())));
        }
    }

    /**
     * The {@code signature} block of {@code profile validate|show|verify --json} (docs/signing.md): what the check
     * found and the policy that judged it; the key's fingerprint and type, never key material.
     */
    record Signature(String status, String policy, String namespace, String source, String signer, String fingerprint,
            String keyType, String trustFile, String detail) {
        static Signature of(Verdict v) {
            return new Signature(v.status().word(), v.policy().word(), v.namespace(), v.source().orElse(null),
                    v.signer().orElse(null), v.key().map(SshKey::fingerprint).orElse(null), v.key().map(SshKey::label).orElse(null),
                    v.trustFile().orElse(null), v.detail().isEmpty() ? null : v.detail());
        }
    }

    /** {@code profile verify}: {@code ok} is the policy's decision; the package checked and its signature block. */
    record Verify(@JsonProperty("package") Package pkg, Signature signature) {
        static Envelope of(VerifyAction.Result r) {
            return Envelope.of("profile verify", r.accepted(), new Verify(new Package(r.sha256(), r.ref(), r.path()),
                    Signature.of(r.verdict())));
        }
    }

    /** {@code run}: the result of install, apply, plan, status and destroy. */
    record Run(Profile profile, @JsonProperty("package") Package pkg, boolean dryRun, int exitCode, State state, String startedAt, String finishedAt) {
        record State(String name, String change, String file) {
        }

        static Envelope of(RunSummary s) {
            return Envelope.of("profile " + s.command(), s.exitCode() == 0, new Run(
                    new Profile(s.profile(), s.version(), s.scenario(), s.engine()),
                    new Package(s.packageSha256(), s.packageRef(), s.packagePath()), s.dryRun(), s.exitCode(),
                    new State(s.stateName(), s.state(), s.stateFile()), Timestamps.iso(s.startedAt()),
                    Timestamps.iso(s.finishedAt())));
        }
    }

    /** {@code export}: {@code output} as given, {@code path} absolute. */
    record Export(Profile profile, @JsonProperty("package") Package pkg, String output, String path, String format, List<String> sensitiveInputs) {
        static Envelope of(ExportResult r, String output) {
            ProfileManifest m = r.profile();
            String name = r.output().getFileName() == null ? "" : r.output().getFileName().toString();
            return Envelope.ok("profile export", new Export(new Profile(m.name(), m.version(), m.scenarioType(), m.engineType()),
                    new Package(r.sha256(), r.packageRef(), r.packagePath()), output, r.output().toString(),
                    name.endsWith(".tgz") || name.endsWith(".tar.gz") ? "archive" : "directory", r.sensitiveInputs()));
        }
    }

    /** {@code doctor}: checks in the order they ran; {@code exit_code} on a check only when it failed. */
    record Doctor(int exitCode, List<Check> checks) {
        record Check(String status, String message, @JsonInclude(JsonInclude.Include.NON_NULL) Integer exitCode) {
        }

        static Envelope of(DoctorAction.Report report) {
            List<Check> checks = report.checks().stream().map(c -> new Check(c.status(), c.message(),
                    c.exitCode() == 0 ? null : c.exitCode())).toList();
            return Envelope.of("doctor", report.failure().isEmpty(),
                    new Doctor(report.failure().map(EngineException::exitCode).orElse(0), checks));
        }
    }

    /** {@code profile-show}. */
    record Show(Profile profile, @JsonProperty("package") Package pkg, Manifest manifest, String overrideEnvFile, boolean ready,
            Signature signature, List<Input> inputs, List<Variable> env) {
        record Input(String name, boolean required, boolean sensitive, String source, String description, boolean satisfied,
                String origin) {
        }

        record Variable(String name, String value, boolean masked, Origin origin) {
        }

        record Origin(String layer, String file, int line, String text) {
        }

        static Envelope of(ProfileShowAction.Result r) {
            ProfileManifest m = r.manifest();
            return Envelope.ok("profile show", new Show(new Profile(m.name(), m.version(), r.scenario(), m.engineType()),
                    new Package(r.sha256(), r.packageRef(), r.packagePath()), new Manifest(m.category(), m.installScript()),
                    r.overrideFile(), r.ready(), Signature.of(r.signature()),
                    r.inputs().stream().map(i -> new Input(i.name(), i.required(), i.sensitive(), i.source(), i.description(),
                            i.satisfied(), i.origin())).toList(),
                    r.env().stream().map(v -> new Variable(v.name(), v.value(), v.masked(),
                            new Origin(v.layer(), v.file(), v.line(), v.origin()))).toList()));
        }
    }

    /** {@code profiles}: {@code list-profiles --json}. */
    record Profiles(List<String> profiles) {
        static Envelope of(List<String> profiles) {
            return Envelope.ok("list-profiles", new Profiles(profiles));
        }
    }
}
