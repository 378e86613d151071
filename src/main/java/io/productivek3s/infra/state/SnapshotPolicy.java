package io.productivek3s.infra.state;

import io.productivek3s.infra.fs.TreeCopier;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What a profile's state is (docs/contract/state-files.md#layout to docs/contract/state-files.md#restore), whatever stores it: the scenario's {@code generated/} tree and the
 * OpenTofu items of {@code opentofu/}, plus the engine's {@code engine-state.json}, with {@code ssh.key_path} in
 * {@code cluster.json} rewritten to where the key will live. Backends store the trees this class stages and hand
 * them back to {@link #restore}; none of them decides what is captured.
 */
public final class SnapshotPolicy {
    public static final String GENERATED = "generated";
    public static final String OPENTOFU = "opentofu";
    public static final String ENGINE_STATE = "engine-state.json";
    private static final List<String> TOFU_ITEMS =
            List.of(".terraform", "terraform.tfstate", "terraform.tfstate.backup", ".terraform.lock.hcl");
    /** Provider binaries are large and never edited in place; other {@code .terraform} files are (backend state). */
    private static final Path TOFU_PROVIDERS = Path.of(".terraform", "providers");

    private final Consumer<String> warn;
    private final TreeCopier copier;

    public SnapshotPolicy(Consumer<String> warn) {
        this.warn = warn;
        this.copier = new TreeCopier(warn);
    }

    /**
     * Stages {@code scenarioDir}'s state into {@code staging} (an existing, empty, private directory) with
     * {@code metadata} as its engine-state.json. {@code finalRuntimeDir} is where the tree will be current: the
     * {@code ssh.key_path} written into {@code cluster.json} points there, because that is the path {@code pk3s}
     * will use. Returns the {@code cluster.json} bytes to publish as {@code <name>.json}, if the scenario made one.
     */
    public Optional<byte[]> capture(Path scenarioDir, Path staging, Path finalRuntimeDir, EngineState metadata)
            throws IOException {
        return capture(scenarioDir, staging, finalRuntimeDir, metadata, TreeCopier.Reuse.NONE);
    }

    /**
     * As above; {@code reuse} may name, by the path a file gets in the staged tree, an identical file to hard-link
     * instead of copying it (the mirror's unchanged files, docs/state.md "The local mirror"). Nothing is ever written
     * through such a link: the staged {@code cluster.json} is replaced, not rewritten.
     */
    public Optional<byte[]> capture(Path scenarioDir, Path staging, Path finalRuntimeDir, EngineState metadata,
            TreeCopier.Reuse reuse) throws IOException {
        Path generated = scenarioDir.resolve(GENERATED);
        if (Files.isDirectory(generated)) {
            copier.copy(generated, "", staging.resolve(GENERATED), TreeCopier.Links.CONFINED, p -> false,
                    under(GENERATED, reuse));
        }
        Path tofu = scenarioDir.resolve(OPENTOFU);
        if (Files.isDirectory(tofu)) {
            Path savedTofu = staging.resolve(OPENTOFU);
            Files.createDirectory(savedTofu, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
            Files.setPosixFilePermissions(savedTofu, Files2.DIR_PRIVATE);
            copyTofuItems(tofu, savedTofu, false, under(OPENTOFU, reuse));
        }
        Files2.writeAtomically(staging.resolve(ENGINE_STATE), metadata.toJson(), Files2.FILE_PRIVATE);
        Path cluster = staging.resolve(GENERATED).resolve("cluster.json");
        if (!Files.isRegularFile(cluster)) {
            return Optional.empty();
        }
        byte[] content = Files.readAllBytes(cluster);
        if (!Files.isRegularFile(staging.resolve(GENERATED).resolve("ssh").resolve("id_ed25519"))) {
            return Optional.of(content);
        }
        String keyPath = finalRuntimeDir.resolve(GENERATED).resolve("ssh").resolve("id_ed25519").toString();
        byte[] rewritten;
        try {
            rewritten = ClusterJson.withSshKeyPath(ClusterJson.decode(content), keyPath)
                    .getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            warn.accept(generated.resolve("cluster.json") + " is not a valid JSON object; persisting it unchanged"
                    + " without setting ssh.key_path");
            return Optional.of(content);
        }
        if (Arrays.equals(rewritten, content) && Files.isRegularFile(cluster, LinkOption.NOFOLLOW_LINKS)
                && Files.getPosixFilePermissions(cluster, LinkOption.NOFOLLOW_LINKS).equals(Files2.FILE_PRIVATE)) {
            return Optional.of(rewritten);   // already points there (a repeat run): a kept file stays as it is
        }
        // Replaces a kept in-tree symlink, or a file kept from the runtime tree, with a new plain file instead of
        // writing through it.
        Files.delete(cluster);
        Files2.writeAtomically(cluster, rewritten, Files2.FILE_PRIVATE);
        return Optional.of(rewritten);
    }

    /**
     * The {@code <name>.json} bytes for a stored runtime tree whose {@code ssh.key_path} must point into
     * {@code finalRuntimeDir} (a tree pulled elsewhere, rolled back or mirrored from a shared backend).
     */
    public Optional<byte[]> clusterFileFor(Path tree, Path finalRuntimeDir) throws IOException {
        Path cluster = tree.resolve(GENERATED).resolve("cluster.json");
        if (!Files.isRegularFile(cluster, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        byte[] content = Files.readAllBytes(cluster);
        if (!Files.isRegularFile(tree.resolve(GENERATED).resolve("ssh").resolve("id_ed25519"), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(content);
        }
        String keyPath = finalRuntimeDir.resolve(GENERATED).resolve("ssh").resolve("id_ed25519").toString();
        try {
            return Optional.of(ClusterJson.withSshKeyPath(ClusterJson.decode(content), keyPath)
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.of(content);
        }
    }

    /** Copies a stored runtime tree into {@code scenarioDir} (docs/contract/state-files.md#restore); OpenTofu items replace the scenario's. */
    public void restore(Path runtime, Path scenarioDir) throws IOException {
        if (!Files.isDirectory(runtime, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(runtime.resolve(GENERATED), LinkOption.NOFOLLOW_LINKS)) {
            Path generated = scenarioDir.resolve(GENERATED);
            Files2.deleteRecursively(generated);
            copier.copy(runtime.resolve(GENERATED), "", generated, TreeCopier.Links.CONFINED, p -> false);
        }
        Path savedTofu = runtime.resolve(OPENTOFU);
        Path scenarioTofu = scenarioDir.resolve(OPENTOFU);
        boolean hasSaved = Files.isDirectory(savedTofu, LinkOption.NOFOLLOW_LINKS);
        if (hasSaved || Files.isDirectory(scenarioTofu)) {
            Files2.createPrivateDirectories(scenarioTofu);
            if (hasSaved) {
                copyTofuItems(savedTofu, scenarioTofu, true, TreeCopier.Reuse.NONE);
            }
        }
    }

    /** {@code reuse} asked with paths relative to the staged tree, for a copy of its {@code top} directory. */
    private static TreeCopier.Reuse under(String top, TreeCopier.Reuse reuse) {
        return reuse == TreeCopier.Reuse.NONE ? reuse
                : (rel, source, identity) -> reuse.same(rel.isEmpty() ? top : top + "/" + rel, source, identity);
    }

    private void copyTofuItems(Path from, Path to, boolean replace, TreeCopier.Reuse reuse) throws IOException {
        Predicate<Path> providers = p -> p.startsWith(TOFU_PROVIDERS);
        for (String item : TOFU_ITEMS) {
            if (!Files.exists(from.resolve(item), LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Path target = to.resolve(item);
            if (replace) {
                Files2.deleteRecursively(target);
            }
            copier.copy(from, item, target, TreeCopier.Links.KEEP_EXTERNAL, providers, reuse);
        }
    }
}
