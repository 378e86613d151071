package io.productivek3s.infra.export;

import io.productivek3s.infra.pkg.ProfileManifest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything the generated bundle documents say about one export. Never holds input values: only names.
 *
 * @param sha256          digest of the bundled {@code profile.tgz}
 * @param boundCore       the exporting engine's bound Core version (docs/contract/core.md#release-binding), empty when unbound
 * @param withOverride    the bundle carries {@code override.env}
 * @param sensitiveInputs sensitive inputs {@code override.env} assigns, in manifest order
 * @param bundledRuntime  the bundle carries {@code runtime/} (no host Java needed)
 */
public record BundleFacts(SubjectKind subjectKind, String subjectRef, ProfileManifest profile, String sha256,
                          String engineVersion, Optional<String> boundCore, boolean withOverride,
                          List<String> sensitiveInputs, boolean bundledRuntime, Instant createdAt) {
    public BundleFacts {
        sensitiveInputs = List.copyOf(sensitiveInputs);
    }
}
