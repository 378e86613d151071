package io.productivek3s.infra.exec;

import io.productivek3s.infra.EngineException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Finds host tools before a child starts (docs/contract/runs.md#binaries), so a missing tool is exit 5 with its name rather than a
 * confusing exit 127 from a shell.
 */
public final class Binaries {
    private final Map<String, String> env;

    public Binaries(Map<String, String> env) {
        this.env = env;
    }

    /** Absolute path of {@code command}: a path containing '/' is checked as is, a bare name is looked up on PATH. */
    public Optional<Path> find(String command) {
        if (command == null || command.isEmpty()) {
            return Optional.empty();
        }
        if (command.indexOf('\0') >= 0 || pathVarHasNul()) {
            // NUL cannot be part of a path; env files refuse it, this guards every other source
            throw EngineException.invalid("invalid command name or PATH (contains a NUL character): " + command.replace('\0', '?'));
        }
        if (command.contains("/")) {
            Path path = Path.of(command).toAbsolutePath();
            return executable(path) ? Optional.of(path) : Optional.empty();
        }
        String pathVar = env.getOrDefault("PATH", "");
        for (String dir : pathVar.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, command).toAbsolutePath();
            if (executable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private boolean pathVarHasNul() {
        return env.getOrDefault("PATH", "").indexOf('\0') >= 0;
    }

    public Path require(String command) {
        return find(command).orElseThrow(() -> EngineException.dependency(command));
    }

    /** make for packaged commands: PK3S_PROFILE_MAKE_BIN, PRODUCTIVE_K3S_INFRA_MAKE_BIN, make. */
    public String packageMakeName() {
        return firstNonEmpty("PK3S_PROFILE_MAKE_BIN", "PRODUCTIVE_K3S_INFRA_MAKE_BIN").orElse("make");
    }

    /** make for source and legacy dispatch: PRODUCTIVE_K3S_INFRA_MAKE_BIN, make. */
    public String sourceMakeName() {
        return firstNonEmpty("PRODUCTIVE_K3S_INFRA_MAKE_BIN").orElse("make");
    }

    /** OpenTofu binary: PRODUCTIVE_K3S_INFRA_TOFU_BIN, else tofu, else terraform. */
    public Path requireTofu() {
        Optional<String> named = firstNonEmpty("PRODUCTIVE_K3S_INFRA_TOFU_BIN");
        if (named.isPresent()) {
            return require(named.get());
        }
        return find("tofu").or(() -> find("terraform"))
                .orElseThrow(() -> EngineException.dependency("tofu or terraform"));
    }

    private Optional<String> firstNonEmpty(String... keys) {
        for (String key : keys) {
            String value = env.get(key);
            if (value != null && !value.isEmpty()) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    private static boolean executable(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }
}
