package io.productivek3s.infra.export;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.env.EnvFile;
import io.productivek3s.infra.env.EnvStack;
import io.productivek3s.infra.env.Layer;
import io.productivek3s.infra.paths.CallerPaths;
import io.productivek3s.infra.pkg.ProfileInput;
import io.productivek3s.infra.pkg.ProfileManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The override env file an export bundles (docs/contract/env-files.md#override-file-and-relative-paths, docs/export.md#checks-before-anything-is-written step 4).
 *
 * @param path    resolved file
 * @param display the path as the user gave it (messages)
 */
public record OverrideFile(Path path, String display) {
    /** {@code --env-file}, else a non-empty {@code PK3S_PROFILE_OVERRIDE_ENV_FILE}; a selected file must exist (exit 4). */
    public static Optional<OverrideFile> select(String envFileFlag, Map<String, String> env, CallerPaths paths) {
        String selected = envFileFlag != null ? envFileFlag : env.getOrDefault("PK3S_PROFILE_OVERRIDE_ENV_FILE", "");
        if (selected.isEmpty()) {
            return Optional.empty();
        }
        Path path = paths.resolveExisting(selected);
        if (!Files.isRegularFile(path)) {
            throw EngineException.invalid("override env file not found: " + selected);
        }
        return Optional.of(new OverrideFile(path, selected));
    }

    /**
     * Inputs declared {@code sensitive: true} that this file gives a value itself, in manifest order. The file is
     * evaluated on its own, without the process environment: a reference such as {@code TOKEN=$MY_TOKEN} puts no
     * secret into the bundle, a literal does. Syntax errors fail the export (exit 4) as they would fail the install.
     */
    public List<String> sensitiveInputs(ProfileManifest manifest, boolean bashEval) {
        EnvFile file = new EnvStack(Map.of(), warning -> { }, bashEval).load(path, display, Layer.OVERRIDE);
        return manifest.inputs().stream()
                .filter(ProfileInput::sensitive)
                .map(ProfileInput::name)
                .filter(name -> file.assignments().stream().anyMatch(a -> a.name().equals(name) && !a.value().isBlank()))
                .toList();
    }
}
