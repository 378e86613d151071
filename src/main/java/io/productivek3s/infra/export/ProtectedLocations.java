package io.productivek3s.infra.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Locations an export never writes or replaces, even with {@code --force} (docs/export.md#output-safety-d14, D14): {@code /}, the home
 * directory, the caller's directory, the install root, the running engine's launcher, {@code scripts/}, jars and
 * runtime, the profile state directory, and every ancestor of these (replacing an ancestor would delete them).
 * Nothing inside the engine's directories or the state directory may be written either, and the export's own input
 * files are never overwritten. Paths are compared after resolving symbolic links, so a link cannot smuggle one in.
 */
final class ProtectedLocations {
    /** A protected path; replacing any of its {@code ancestors} would delete it, and {@code inside} covers its content. */
    private record Rule(Path path, boolean ancestors, boolean inside) {
    }

    private final List<Rule> rules;

    private ProtectedLocations(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * @param env           the engine environment (HOME, PK3S_PROFILE_STATE_DIR, XDG_CACHE_HOME, TMPDIR)
     * @param callerBaseDir the caller base dir (docs/contract/env-files.md#override-file-and-relative-paths)
     * @param installRoot   the install root (may differ from the engine home with PRODUCTIVE_K3S_INFRA_REPO_DIR)
     * @param inputs        the files being exported (package, override): an output over them would destroy the
     *                      originals; an output directory that contains them may be replaced, as they are copied first
     */
    static ProtectedLocations of(Map<String, String> env, Path callerBaseDir, Path installRoot, EngineFiles engine, List<Path> inputs) {
        List<Rule> rules = new ArrayList<>();
        rules.add(new Rule(Path.of("/"), true, false));
        value(env, "HOME").flatMap(home -> path(callerBaseDir, home)).ifPresent(home -> rules.add(new Rule(canonical(home), true, false)));
        rules.add(new Rule(canonical(callerBaseDir), true, false));
        rules.add(new Rule(canonical(installRoot), true, false));
        rules.add(new Rule(canonical(engine.home()), true, false));
        // the engine's own files: a forced export over them would break the engine that is running
        rules.add(new Rule(canonical(engine.home().resolve(EngineFiles.LAUNCHER)), true, false));
        rules.add(new Rule(canonical(engine.home().resolve("scripts")), true, true));
        rules.add(new Rule(canonical(installRoot.resolve("scripts")), true, true));
        rules.add(new Rule(canonical(engine.libDir()), true, true));
        engine.runtime().ifPresent(runtime -> rules.add(new Rule(canonical(runtime), true, true)));
        for (Path input : inputs) {
            rules.add(new Rule(canonical(input), false, false));
        }
        for (Path stateDir : stateDirCandidates(env, callerBaseDir)) {
            rules.add(new Rule(canonical(stateDir), true, true));
        }
        return new ProtectedLocations(rules);
    }

    /** True when writing or replacing {@code output} (absolute) could touch a protected location. */
    boolean refuses(Path output) {
        Path target = canonicalTarget(output);
        for (Rule rule : rules) {
            if (rule.path().equals(target) || rule.ancestors() && rule.path().startsWith(target)
                    || rule.inside() && target.startsWith(rule.path())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every directory the state resolver (docs/contract/state-files.md#state-directory) could pick, computed without creating anything: an export has no
     * state access, so it protects all of them rather than asking which one is in use.
     */
    private static List<Path> stateDirCandidates(Map<String, String> env, Path base) {
        Optional<String> explicit = value(env, "PK3S_PROFILE_STATE_DIR");
        if (explicit.isPresent()) {
            return path(base, explicit.get()).stream().toList();
        }
        List<Path> candidates = new ArrayList<>();
        value(env, "XDG_CACHE_HOME").flatMap(xdg -> path(base, xdg)).ifPresent(xdg -> candidates.add(xdg.resolve("pk3s/profiles")));
        value(env, "HOME").flatMap(home -> path(base, home)).ifPresent(home -> candidates.add(home.resolve(".cache/pk3s/profiles")));
        Path tmp = value(env, "TMPDIR").flatMap(dir -> path(base, dir)).orElse(Path.of("/tmp"));
        currentUid().ifPresent(uid -> candidates.add(tmp.resolve("pk3s-" + uid).resolve("profiles")));
        return candidates;
    }

    /** The effective uid from {@code /proc/self} (Linux); elsewhere the per-user temp fallback is not guarded. */
    private static Optional<Long> currentUid() {
        try {
            return Optional.of(((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue());
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The output as it will be written: its directory with links resolved, its own name kept (a link is replaced, not followed). */
    private static Path canonicalTarget(Path output) {
        Path absolute = output.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        return parent == null ? absolute : canonical(parent).resolve(absolute.getFileName());
    }

    /** Links resolved in the longest existing prefix; the missing rest appended as written. */
    static Path canonical(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(absolute)).normalize();
        } catch (IOException e) {
            return absolute;
        }
    }

    private static Optional<String> value(Map<String, String> env, String key) {
        String value = env.get(key);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private static Optional<Path> path(Path base, String value) {
        try {
            return Optional.of(base.resolve(value).normalize());
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }
}
