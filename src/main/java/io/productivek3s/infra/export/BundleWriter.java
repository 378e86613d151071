package io.productivek3s.infra.export;

import io.productivek3s.infra.core.Release;
import io.productivek3s.infra.env.ShellQuote;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes the files of one bundle into a staging directory (docs/export.md#what-a-bundle-contains) with their final modes: launchers and
 * {@code install.sh} 0755, {@code override.env} 0600, everything else 0644, directories 0755.
 */
final class BundleWriter {
    static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");

    private final EngineFiles engine;
    private final Path installRoot;
    private final Release release;

    /**
     * @param installRoot where the exporting engine's {@code scripts/release.env} lives (docs/contract/core.md#release-binding)
     * @param release     the exporting engine's release identity, for a bundle whose exporter has no release.env
     */
    BundleWriter(EngineFiles engine, Path installRoot, Release release) {
        this.engine = engine;
        this.installRoot = installRoot;
        this.release = release;
    }

    /**
     * @param facts the documents' facts for the sha256 of the package as copied into the bundle, so the manifest
     *              describes exactly the bytes shipped
     */
    void write(Path dir, Path packageFile, Optional<byte[]> signature, Optional<Path> override, boolean telemetryEnabled,
            Function<String, BundleFacts> facts) throws IOException {
        Path bundled = dir.resolve(BundleDocuments.BUNDLE_PACKAGE);
        copy(packageFile, bundled, Files2.FILE_PUBLIC);
        if (signature.isPresent()) {
            // beside the package, where the embedded engine looks: install.sh verifies it before anything runs
            Files2.writeAtomically(dir.resolve(BundleDocuments.BUNDLE_PACKAGE + ".sig"), signature.get(), Files2.FILE_PUBLIC);
        }
        BundleFacts documented = facts.apply(Digests.sha256(bundled));
        if (override.isPresent()) {
            copy(override.get(), dir.resolve(BundleDocuments.OVERRIDE), Files2.FILE_PRIVATE);
        }
        text(dir.resolve("install.sh"), BundleDocuments.installScript(override.isPresent()), Files2.FILE_PUBLIC_EXEC);
        text(dir.resolve("install-config.env"), BundleDocuments.installConfig(telemetryEnabled), Files2.FILE_PUBLIC);
        text(dir.resolve("manifest.json"), Json.pretty(BundleDocuments.manifest(documented)), Files2.FILE_PUBLIC);
        text(dir.resolve("README.md"), BundleDocuments.readme(documented), Files2.FILE_PUBLIC);
        copy(engine.home().resolve("LICENSE"), dir.resolve("LICENSE"), Files2.FILE_PUBLIC);

        copy(engine.home().resolve(EngineFiles.LAUNCHER), dir.resolve(EngineFiles.LAUNCHER), Files2.FILE_PUBLIC_EXEC);
        Path scripts = directory(dir.resolve("scripts"));
        copy(engine.home().resolve(EngineFiles.SCRIPTS_LAUNCHER), dir.resolve(EngineFiles.SCRIPTS_LAUNCHER), Files2.FILE_PUBLIC_EXEC);
        directory(scripts.resolve("lib"));
        for (String lib : EngineFiles.SHELL_LIBS) {
            copy(engine.home().resolve(lib), dir.resolve(lib), Files2.FILE_PUBLIC);
        }
        for (String helper : EngineFiles.OPTIONAL_SCRIPTS) {
            if (Files.isRegularFile(engine.home().resolve(helper))) {
                copy(engine.home().resolve(helper), dir.resolve(helper), Files2.FILE_PUBLIC_EXEC);
            }
        }
        Path releaseEnv = installRoot.resolve(Release.RELEASE_ENV);
        if (Files.isRegularFile(releaseEnv)) {
            copy(releaseEnv, scripts.resolve("release.env"), Files2.FILE_PUBLIC);
        } else {
            text(scripts.resolve("release.env"), fallbackReleaseEnv(), Files2.FILE_PUBLIC);
        }

        Path lib = directory(dir.resolve("lib"));
        // times kept: the runtime's start-up archive records the jars' mtimes and is ignored when they change
        for (Path file : concat(engine.jars(), engine.startupData())) {
            Path to = lib.resolve(file.getFileName().toString());
            Files.copy(file, to, StandardCopyOption.COPY_ATTRIBUTES);
            Files.setPosixFilePermissions(to, Files2.FILE_PUBLIC);
        }
        if (engine.runtime().isPresent()) {
            copyTree(engine.runtime().get(), dir.resolve("runtime"));
        }
    }

    /**
     * release.env for a bundle of an engine that has none (a source checkout): the package-only surface, plus the
     * version and binding this engine reports, which would otherwise come from the exporter's environment and be
     * lost (D28). A {@code dev} version is left out so the bundle reports {@code dev} the normal way.
     */
    String fallbackReleaseEnv() {
        StringBuilder text = new StringBuilder("# Generated by productive-k3s-infra export: the exporting engine had no scripts/release.env\n");
        text.append("PK3S_INFRA_RUNTIME_SURFACE=package-only\n");
        String version = release.engineVersion();
        if (!version.equals("dev")) {
            text.append("PK3S_INFRA_RELEASE_TAG=").append(ShellQuote.single(version)).append('\n');
        }
        release.boundCore().ifPresent(core -> text.append("PK3S_CORE_SEMVER=").append(core).append('\n'));
        return text.toString();
    }

    private static List<Path> concat(List<Path> first, List<Path> second) {
        List<Path> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static Path directory(Path dir) throws IOException {
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, DIR_MODE);
        return dir;
    }

    private static void copy(Path from, Path to, Set<PosixFilePermission> mode) throws IOException {
        Files.copy(from, to);
        Files.setPosixFilePermissions(to, mode);
    }

    private static void text(Path to, String content, Set<PosixFilePermission> mode) throws IOException {
        Files.writeString(to, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(to, mode);
    }

    /** A bundled Java runtime as it is: modes and symbolic links kept. */
    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectory(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                // after the content: a read-only source directory must not block copying into it
                Files.setPosixFilePermissions(to.resolve(from.relativize(dir).toString()), Files.getPosixFilePermissions(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                        LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
