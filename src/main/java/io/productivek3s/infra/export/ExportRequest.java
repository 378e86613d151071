package io.productivek3s.infra.export;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One export: the package to bundle and what the user asked for. Paths the user typed stay as typed; the exporter
 * resolves them against the caller's directory (docs/contract/env-files.md#override-file-and-relative-paths) and echoes them unchanged in messages.
 *
 * @param packageFile the local {@code profile.tgz} to bundle (a source export passes its normalized package)
 * @param subjectKind whether the package was given directly or normalized from a source profile
 * @param subjectRef  the {@code --tgz} or {@code --profile} value as given (manifest {@code subject.ref}, README)
 * @param envFile     the {@code --env-file} value, or null; {@code PK3S_PROFILE_OVERRIDE_ENV_FILE} applies when null
 * @param output      the {@code --output} value
 * @param force       {@code --force}: an unrelated non-empty directory (or a file) may be replaced
 * @param signature   the package's intact OpenSSH signature, shipped as {@code profile.tgz.sig} so the bundle's
 *                    installer checks it before it runs (docs/signing.md)
 */
public record ExportRequest(Path packageFile, SubjectKind subjectKind, String subjectRef, String envFile,
                            String output, boolean force, Optional<byte[]> signature) {
    /** An unsigned package. */
    public ExportRequest(Path packageFile, SubjectKind subjectKind, String subjectRef, String envFile, String output, boolean force) {
        this(packageFile, subjectKind, subjectRef, envFile, output, force, Optional.empty());
    }

    public ExportRequest {
        Objects.requireNonNull(packageFile, "packageFile");
        Objects.requireNonNull(subjectKind, "subjectKind");
        Objects.requireNonNull(subjectRef, "subjectRef");
        Objects.requireNonNull(output, "output");
    }
}
