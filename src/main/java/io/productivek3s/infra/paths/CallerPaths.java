package io.productivek3s.infra.paths;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Resolves user-given relative paths against the caller's directory, not the engine's working directory
 * (docs/contract/env-files.md#override-file-and-relative-paths): {@code pk3s} and the release installer start the engine with cwd = bundle root.
 */
public final class CallerPaths {
    private final Path baseDir;
    private final Path processDir;
    private final Consumer<String> debug;

    public CallerPaths(Path baseDir, Path processDir, Consumer<String> debug) {
        this.baseDir = baseDir;
        this.processDir = processDir;
        this.debug = debug;
    }

    /** PK3S_INFRA_CALLER_CWD (absolute), else PWD when it is an existing absolute directory, else the process cwd. */
    public static CallerPaths from(Map<String, String> env, Consumer<String> debug) {
        Path cwd = Path.of("").toAbsolutePath();
        Path base = cwd;
        String callerCwd = env.getOrDefault("PK3S_INFRA_CALLER_CWD", "");
        String pwd = env.getOrDefault("PWD", "");
        if (isAbsoluteDir(callerCwd)) {
            base = Path.of(callerCwd);
        } else if (isAbsoluteDir(pwd)) {
            base = Path.of(pwd);
        }
        return new CallerPaths(base.normalize(), cwd, debug);
    }

    public Path baseDir() {
        return baseDir;
    }

    /** A path to create or write (output, state dir): always relative to the caller base dir. */
    public Path resolve(String userPath) {
        Path path = Path.of(userPath);
        return (path.isAbsolute() ? path : baseDir.resolve(path)).normalize();
    }

    /**
     * A path that must already exist (--tgz, --env-file, --profile): relative to the caller base dir, or, when it
     * only exists relative to the process working directory, that one.
     */
    public Path resolveExisting(String userPath) {
        Path resolved = resolve(userPath);
        if (!Files.exists(resolved) && !Path.of(userPath).isAbsolute()) {
            Path fromCwd = processDir.resolve(userPath).normalize();
            if (Files.exists(fromCwd)) {
                debug.accept("path " + userPath + " not found under " + baseDir + "; using " + fromCwd);
                return fromCwd;
            }
        }
        return resolved;
    }

    private static boolean isAbsoluteDir(String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        try {
            Path path = Path.of(value);
            return path.isAbsolute() && Files.isDirectory(path);
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
