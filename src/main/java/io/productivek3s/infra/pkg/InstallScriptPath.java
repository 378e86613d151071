package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/** Confinement of {@code spec.execution.installScript} (docs/contract/package.md#structural-validation, docs/contract/runs.md#install-and-apply, D12). */
public final class InstallScriptPath {
    private InstallScriptPath() {
    }

    /**
     * The lexically normalized script path if it is relative and free of {@code ..}; empty otherwise
     * (absolute, {@code ..} anywhere, NUL, or naming the package root itself).
     */
    public static Optional<String> normalized(String installScript) {
        return ArchivePaths.normalizeRelative(installScript).filter(p -> !p.isEmpty());
    }

    /**
     * Resolves the install script on an extracted package. Symlinks are followed: the real file must be a
     * regular file inside the real package root.
     *
     * @return {@code <packageRoot>/<normalized installScript>} (not canonicalized, so the script still sees its
     *         package-relative location as {@code $0})
     */
    public static Path resolveInside(Path packageRoot, String installScript) {
        String rel = normalized(installScript).orElseThrow(() -> escapes(installScript));
        Path candidate = packageRoot.toAbsolutePath().normalize().resolve(rel);
        if (!Files.exists(candidate)) {
            throw EngineException.invalid("profile package install script not found: " + installScript);
        }
        try {
            Path realRoot = packageRoot.toRealPath();
            Path real = candidate.toRealPath();
            if (!real.startsWith(realRoot) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                throw escapes(installScript);
            }
        } catch (IOException e) {
            throw EngineException.invalid("profile package install script not found: " + installScript);
        }
        return candidate;
    }

    private static EngineException escapes(String installScript) {
        return EngineException.invalid("profile package install script escapes the package: " + installScript);
    }
}
