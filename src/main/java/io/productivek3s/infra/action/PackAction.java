package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.PackSigning;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.ManifestParser;
import io.productivek3s.infra.pkg.PackageListing;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.pkg.ReproducibleTarGz;
import io.productivek3s.infra.sign.PackageSigner;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code profile pack --source DIR --output F.tgz} [New]: builds a package reproducibly (same sources, same bytes,
 * same sha256) and refuses to write one that {@code profile validate} would reject. Runtime leftovers and private
 * local files are never packed.
 */
public final class PackAction {
    /** Never packed: runtime output, provider caches, state, VCS data, and local env files with real values. */
    private static final Set<String> EXCLUDED_NAMES = Set.of("generated", ".terraform", "test-artifacts", ".git");
    private static final Pattern EXCLUDED_FILES = Pattern.compile("terraform\\.tfstate.*|.*\\.env");

    private final EngineContext context;

    public PackAction(EngineContext context) {
        this.context = context;
    }

    public int run(String sourceDir, String output) {
        return run(sourceDir, output, Optional.empty());
    }

    /** @param signKey {@code --sign-key}: sign the package with {@code ssh-keygen -Y sign} (docs/signing.md) */
    public int run(String sourceDir, String output, Optional<String> signKey) {
        if (sourceDir == null) {
            throw EngineException.missing("the 'profile pack' command requires --source <dir>");
        }
        if (output == null) {
            throw EngineException.missing("the 'profile pack' command requires --output <file.tgz>");
        }
        context.release().checkBinding();
        Path dir = context.paths().resolveExisting(sourceDir);
        if (!Files.isDirectory(dir)) {
            throw EngineException.missing("profile source directory not found: " + sourceDir);
        }
        if (!Files.isRegularFile(dir.resolve("profile.yaml"))) {
            throw EngineException.invalid("profile package is missing profile.yaml");
        }
        Path target = context.paths().resolve(output);
        Optional<PackageSigner> signer = PackSigning.prepare(context, signKey);
        String sha256 = write(dir, target, output);
        context.log().ok("Profile package written to: " + output);
        context.log().info("sha256: " + sha256);
        PackSigning.finish(context, signer, target, output);
        return 0;
    }


    /** Packs {@code dir} into {@code target} atomically after validating the result; returns its sha256. */
    public String write(Path dir, Path target, String displayOutput) {
        try {
            Files2.createPrivateDirectories(target.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    ReproducibleTarGz.write(dir, "./", PackAction::included, null, out);
                }
                PackageListing listing = ProfileArchive.scan(tmp, displayOutput, ExtractionLimits.fromEnv(context.env()));
                ProfileManifest manifest = ManifestParser.parse(listing.manifest());
                manifest.warnings().forEach(context.log()::warn);
                context.log().info("Packed profile " + manifest.name() + " " + (manifest.version() == null ? "" : manifest.version()));
                String sha256 = Digests.sha256(tmp);
                Files.setPosixFilePermissions(tmp, Files2.FILE_PUBLIC);
                Files2.moveAtomically(tmp, target);
                return sha256;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + displayOutput, e);
        }
    }

    /** Whether a source path (relative, '/'-separated) belongs in a package. */
    static boolean included(String rel) {
        String name = rel.substring(rel.lastIndexOf('/') + 1);
        if (EXCLUDED_NAMES.contains(name)) {
            return false;
        }
        if (rel.equals("profile.env") || name.endsWith(".env.example")) {
            return true;
        }
        return !EXCLUDED_FILES.matcher(name).matches();
    }
}
