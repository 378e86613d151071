package io.productivek3s.infra.source;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.Workspace;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.ManifestParser;
import io.productivek3s.infra.pkg.PackageListing;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.pkg.ReproducibleTarGz;
import io.productivek3s.infra.scenario.BuiltInScenario;
import io.productivek3s.infra.scenario.Scenario;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.fs.TreeCopier;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Set;

/**
 * Source profile → normalized {@code profile.tgz} (docs/contract/source.md#normalized-package), the first half of {@code export --profile},
 * {@code dev profile export} and {@code profile pack --profile}. Builds the package root in a private staging
 * directory, archives it reproducibly (same sources, same bytes), and validates the archive with the code behind
 * {@code profile validate} before anything reaches the caller.
 *
 * <p>Use: {@link #check} (every docs/contract/source.md#normalized-package step-1 check, nothing written), then {@link #write(Sources, Path)} or
 * {@link #write(Sources, OutputStream)}.
 */
public final class SourcePackager {
    /** Shared remote-cluster layer, read from the install root and placed at the same path in the package. */
    public static final String REMOTE_CLUSTER_RUNTIME = "ansible/roles/remote_cluster/files";
    public static final String DEFAULT_VERSION = "exported";

    private static final Set<BuiltInScenario> REMOTE_BUILT_INS =
            Set.of(BuiltInScenario.ONPREM_BASIC, BuiltInScenario.ONPREM_BASIC_ARM, BuiltInScenario.AWS_SINGLE_NODE);

    private final EngineContext context;

    public SourcePackager(EngineContext context) {
        this.context = context;
    }

    /**
     * What a normalization reads, all checked.
     *
     * @param remoteRuntime the remote-cluster layer to embed, when the profile needs it and it exists
     */
    public record Sources(SourceProfile profile, ProfilesCheckout checkout, Path scenarioDir, Optional<Path> remoteRuntime) {
    }

    /**
     * docs/contract/source.md#normalized-package step 1 in order: release binding, profile present (3), contract (4), {@code .env} suffix (4), checkout
     * (3), scenario directory (1), remote-cluster runtime (3 for data-driven profiles, WARN for built-in ones).
     *
     * @param command    first positional as typed, named in the checkout message
     * @param profileArg the profile path as given
     */
    public Sources check(String command, String profileArg) {
        SourceProfile profile = new SourceContract(context).load(profileArg);
        if (!profileArg.endsWith(".env")) {
            throw EngineException.invalid("profile source metadata path could not be derived from: " + profileArg);
        }
        ProfilesCheckout checkout = ProfilesCheckout.require(context, command);
        Path scenarioDir = checkout.scenarioDir(profile.scenario().path());
        return new Sources(profile, checkout, scenarioDir, remoteRuntime(profile));
    }

    /** Writes the package to {@code target} atomically (mode 0644; parents created 0700). */
    public NormalizedPackage write(Sources sources, Path target) {
        try (Workspace workspace = Workspace.create(context.env())) {
            Path tgz = workspace.dir().resolve("profile.tgz");
            NormalizedPackage built = build(sources, workspace.subdir("package"), tgz);
            Path parent = Files2.createPrivateDirectories(target.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(parent, "." + target.getFileName(), ".tmp");
            try {
                Files.copy(tgz, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(tmp, Files2.FILE_PUBLIC);
                Files2.moveAtomically(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return built;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /** Writes the validated package bytes to {@code out} (not closed). */
    public NormalizedPackage write(Sources sources, OutputStream out) {
        try (Workspace workspace = Workspace.create(context.env())) {
            Path tgz = workspace.dir().resolve("profile.tgz");
            NormalizedPackage built = build(sources, workspace.subdir("package"), tgz);
            Files.copy(tgz, out);
            return built;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the normalized package", e);
        }
    }

    private NormalizedPackage build(Sources sources, Path stage, Path tgz) throws IOException {
        SourceProfile profile = sources.profile();
        Scenario scenario = profile.scenario();
        Files.writeString(stage.resolve("profile.yaml"), manifest(profile), StandardCharsets.UTF_8);
        Files.copy(profile.file(), stage.resolve("profile.env"));
        // Links and execute bits as they are (the package validator judges them); special files are never copied.
        TreeCopier copier = new TreeCopier(skipped -> { });
        TreeCopier.Options asTheyAre = TreeCopier.Options.standard().modes(TreeCopier.Modes.KEEP);
        copier.copy(sources.scenarioDir(), stage.resolve(scenario.path()), asTheyAre.include(ScenarioFiles::included));
        if (sources.remoteRuntime().isPresent()) {
            copier.copy(sources.remoteRuntime().get(), stage.resolve(REMOTE_CLUSTER_RUNTIME), asTheyAre);
        }
        // Written last: the wrapper is the package's entry point even if the scenario tree had a file there.
        Path wrapper = stage.resolve(profile.installScript());
        Files.createDirectories(wrapper.getParent());
        Files.deleteIfExists(wrapper);
        Files.writeString(wrapper, InstallWrapper.render(scenario, profile.installScript()), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(wrapper, Files2.FILE_PUBLIC_EXEC);

        try (OutputStream out = Files.newOutputStream(tgz)) {
            ReproducibleTarGz.write(stage, "./", rel -> true, null, out);
        }
        PackageListing listing = ProfileArchive.scan(tgz, "profile.tgz", ExtractionLimits.fromEnv(context.env()));
        ProfileManifest manifest = ManifestParser.parse(listing.manifest());
        return new NormalizedPackage(Digests.sha256(tgz), Files.size(tgz), manifest, profile);
    }

    private static String manifest(SourceProfile profile) {
        Scenario scenario = profile.scenario();
        String version = profile.values().getOrDefault("PK3S_INFRA_PROFILE_VERSION", "");
        SourceManifest.Fields fields = new SourceManifest.Fields(profile.name(), version.isEmpty() ? DEFAULT_VERSION : version,
                scenario.category(), scenario.type(), profile.engine(), profile.installScript());
        return SourceManifest.render(fields, profile.sidecar().flatMap(Sidecar::inputs), profile.sidecar().flatMap(Sidecar::compatibility));
    }

    /** The remote-cluster layer when the profile needs it (docs/contract/source.md#normalized-package table). */
    private Optional<Path> remoteRuntime(SourceProfile profile) {
        Scenario scenario = profile.scenario();
        boolean declared = "true".equals(profile.values().get("PK3S_INFRA_INCLUDE_REMOTE_CLUSTER_RUNTIME"));
        boolean builtInRemote = !scenario.dataDriven() && scenario.builtIn().map(REMOTE_BUILT_INS::contains).orElse(false);
        if (!declared && !builtInRemote) {
            return Optional.empty();
        }
        Path runtime = context.installRoot().resolve(REMOTE_CLUSTER_RUNTIME).toAbsolutePath().normalize();
        if (Files.isDirectory(runtime)) {
            return Optional.of(runtime);
        }
        if (scenario.dataDriven()) {
            throw EngineException.missing("remote cluster runtime not found: " + runtime);
        }
        context.log().warn("remote cluster runtime not found: " + runtime);
        return Optional.empty();
    }
}
