package io.productivek3s.infra.action;

import io.productivek3s.infra.sign.Verdict;
import java.nio.file.Path;

/**
 * Turns a {@code --tgz} value into a local archive path whose signature was checked under the run's policy
 * (docs/signing.md). {@link ArtifactPackageSource} is the engine's source (paths, URLs and catalog references,
 * docs/catalogs.md). Every command that reads a package gets it here, once, before any side effect.
 */
public interface PackageSource {
    /** A local archive the engine may read, the reference as the user typed it, and its signature's verdict. */
    record Resolved(Path file, String reference, Verdict signature) {
    }

    /** Resolves and checks; a signature the policy refuses is exit 4 here (one line), else its INFO line is logged. */
    Resolved resolve(String tgz);

    /** Resolves and checks without applying the policy: {@code profile verify} shows a refused verdict too. */
    Resolved inspect(String tgz);

    /** Applies the policy to an inspected package: exit 4 with one line, or its INFO line logged. */
    Resolved accept(Resolved inspected);

    /** The package file a cluster's state records ({@code --name} without {@code --tgz}), checked like a local --tgz. */
    Resolved recorded(Path file, String reference);
}
