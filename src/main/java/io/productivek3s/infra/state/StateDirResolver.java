package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Finds the profile state directory (docs/contract/state-files.md#state-directory):
 * <ol>
 * <li>{@code PK3S_PROFILE_STATE_DIR}, relative to the caller's directory, created if missing;</li>
 * <li>{@code $XDG_CACHE_HOME/pk3s/profiles} when it is writable or creatable;</li>
 * <li>{@code $HOME/.cache/pk3s/profiles}, creating {@code ~/.cache} (0700) if needed;</li>
 * <li>{@code <TMPDIR or /tmp>/pk3s-<uid>/profiles}, private to the user.</li>
 * </ol>
 * {@code pk3s} looks at 1–3 only, so skipping 2 or 3 is announced with a WARN (D44). The chosen directory must belong
 * to the current user and must not be world-writable without the sticky bit (exit 4); group-writable is a WARN.
 */
public final class StateDirResolver {
    private static final int STICKY = 01000;
    private static final int GROUP_WRITE = 0020;
    private static final int OTHERS_WRITE = 0002;

    /** The current user's uid; a seam so ownership checks can be tested without a second account. */
    interface UidSource {
        long uid() throws IOException;
    }

    private final Map<String, String> env;
    private final Path callerBaseDir;
    private final Consumer<String> warn;
    private final UidSource uidSource;

    public StateDirResolver(Map<String, String> env, Path callerBaseDir, Consumer<String> warn) {
        this(env, callerBaseDir, warn, StateDirResolver::currentUid);
    }

    StateDirResolver(Map<String, String> env, Path callerBaseDir, Consumer<String> warn, UidSource uidSource) {
        this.env = Map.copyOf(env);
        this.callerBaseDir = callerBaseDir.toAbsolutePath().normalize();
        this.warn = Objects.requireNonNull(warn, "warn");
        this.uidSource = uidSource;
    }

    /**
     * The state directory a run would use, if it exists already: the first candidate {@link #resolve} tries (it
     * falls back to the next only when that one is not usable, and then this says there is none: conservative).
     * Nothing is created or checked, so a read that must leave no trace (a package that may still be refused) can
     * ask whether there is any state at all.
     */
    public Optional<Path> existing() {
        String explicit = value("PK3S_PROFILE_STATE_DIR");
        if (explicit != null) {
            return Optional.ofNullable(path(explicit)).filter(Files::isDirectory);
        }
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(value("XDG_CACHE_HOME")).map(this::path)
                .ifPresent(base -> candidates.add(base.resolve("pk3s").resolve("profiles")));
        Optional.ofNullable(value("HOME")).map(this::path)
                .ifPresent(base -> candidates.add(base.resolve(".cache").resolve("pk3s").resolve("profiles")));
        String tmp = value("TMPDIR");
        Path tmpDir = tmp == null || path(tmp) == null ? Path.of("/tmp") : path(tmp);
        try {
            candidates.add(tmpDir.resolve("pk3s-" + currentUid()).resolve("profiles"));
        } catch (IOException | RuntimeException unknownUid) {
            // no last resort to look at
        }
        return candidates.stream().findFirst().filter(dir -> Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS));
    }

    /** The state directory, existing and checked; failures are exit-4 {@link EngineException}s. */
    public Path resolve() {
        long uid = uid();
        String explicit = value("PK3S_PROFILE_STATE_DIR");
        if (explicit != null) {
            Path dir = path(explicit);
            if (dir == null) {
                throw EngineException.invalid("PK3S_PROFILE_STATE_DIR is not a valid path: " + explicit);
            }
            try {
                Files2.createPrivateDirectories(dir);
            } catch (IOException | SecurityException e) {
                throw EngineException.invalid("cannot create profile state directory " + dir + ": " + reason(e));
            }
            if (!Files.isWritable(dir)) {
                throw EngineException.invalid("profile state directory is not writable: " + dir);
            }
            return checked(dir, uid);
        }

        List<String> skipped = new ArrayList<>();
        Path chosen = null;
        String xdg = value("XDG_CACHE_HOME");
        if (xdg != null) {
            Path base = path(xdg);
            Path candidate = base == null ? null : base.resolve("pk3s").resolve("profiles");
            if (usable(candidate)) {
                chosen = candidate;
            } else {
                skipped.add(candidate == null ? xdg + "/pk3s/profiles" : candidate.toString());
            }
        }
        String home = value("HOME");
        if (chosen == null && home != null) {
            Path base = path(home);
            Path candidate = base == null ? null : base.resolve(".cache").resolve("pk3s").resolve("profiles");
            // HOME itself must exist: only ~/.cache and below are ours to create.
            if (base != null && Files.isDirectory(base) && usable(candidate)) {
                chosen = candidate;
            } else {
                skipped.add(candidate == null ? home + "/.cache/pk3s/profiles" : candidate.toString());
            }
        }
        if (chosen == null) {
            chosen = lastResort(uid);
        }
        for (String location : skipped) {
            warn.accept("state directory " + location + " is not writable; using " + chosen
                    + " (pk3s may not find this state; set PK3S_PROFILE_STATE_DIR)");
        }
        return checked(chosen, uid);
    }

    /** {@code <tmp>/pk3s-<uid>/profiles}; the per-user parent sits in a shared directory, so it is checked too. */
    private Path lastResort(long uid) {
        String tmpValue = value("TMPDIR");
        Path tmp = tmpValue == null ? null : path(tmpValue);
        Path userDir = (tmp == null ? Path.of("/tmp") : tmp).resolve("pk3s-" + uid);
        try {
            try {
                Files.createDirectory(userDir, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
            } catch (FileAlreadyExistsException existing) {
                // a previous run's directory; checked below before anything goes into it
            }
            if (Files.isSymbolicLink(userDir) || !Files.isDirectory(userDir, LinkOption.NOFOLLOW_LINKS)) {
                throw unsafe(userDir);
            }
            checked(userDir, uid);
            Path profiles = userDir.resolve("profiles");
            Files2.createPrivateDirectories(profiles);
            return profiles;
        } catch (IOException | SecurityException e) {
            throw EngineException.invalid("no usable profile state directory (" + userDir + ": " + reason(e)
                    + "); set PK3S_PROFILE_STATE_DIR");
        }
    }

    /** Exists (or could be created) and is writable; creation is the only reliable test of "creatable". */
    private static boolean usable(Path dir) {
        if (dir == null) {
            return false;
        }
        try {
            Files2.createPrivateDirectories(dir);
        } catch (IOException | SecurityException e) {
            return false;
        }
        return Files.isDirectory(dir) && Files.isWritable(dir);
    }

    private Path checked(Path dir, long uid) {
        Map<String, Object> attrs;
        try {
            attrs = Files.readAttributes(dir, "unix:uid,mode");
        } catch (IOException | UnsupportedOperationException e) {
            throw EngineException.invalid("cannot inspect profile state directory " + dir + ": " + reason(e));
        }
        long owner = ((Number) attrs.get("uid")).longValue();
        int mode = (Integer) attrs.get("mode");
        if (owner != uid || ((mode & OTHERS_WRITE) != 0 && (mode & STICKY) == 0)) {
            throw unsafe(dir);
        }
        if ((mode & GROUP_WRITE) != 0) {
            warn.accept("profile state directory " + dir + " is group-writable; consider chmod 700 " + dir);
        }
        return dir;
    }

    private long uid() {
        try {
            return uidSource.uid();
        } catch (IOException | RuntimeException e) {
            throw EngineException.runtime("cannot determine the current user id: " + reason(e));
        }
    }

    /**
     * The effective uid: the owner of {@code /proc/self} on Linux, else of a file this process just created.
     */
    static long currentUid() throws IOException {
        Path proc = Path.of("/proc/self");
        if (Files.isDirectory(proc)) {
            return ((Number) Files.getAttribute(proc, "unix:uid")).longValue();
        }
        Path probe = Files.createTempFile("pk3s-uid", ".tmp");
        try {
            return ((Number) Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    private String value(String key) {
        String value = env.get(key);
        return value == null || value.isEmpty() ? null : value;
    }

    /** An absolute path, relative values taken against the caller's directory; null if not a path at all. */
    private Path path(String value) {
        try {
            return callerBaseDir.resolve(value).normalize();
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static EngineException unsafe(Path dir) {
        return EngineException.invalid("unsafe profile state directory: " + dir);
    }

    private static String reason(Exception e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message.replaceAll("[\\r\\n]+", " ");
    }
}
