package io.productivek3s.infra.catalog;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;

/**
 * The user's engine cache: {@code $XDG_CACHE_HOME/pk3s} (absolute values only), else {@code $HOME/.cache/pk3s},
 * next to where {@code pk3s} keeps its own cache. The engine's areas below it ({@code artifacts/}, {@code core/})
 * are private (0700) and must belong to the current user: a cache others can write could swap an unverified file.
 */
public final class CacheDir {
    private final Path root;

    private CacheDir(Path root) {
        this.root = root;
    }

    public static CacheDir from(Map<String, String> env) {
        String xdg = env.getOrDefault("XDG_CACHE_HOME", "");
        if (!xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
            return new CacheDir(Path.of(xdg).resolve("pk3s").normalize());
        }
        String home = env.getOrDefault("HOME", "");
        if (home.isEmpty() || !Path.of(home).isAbsolute()) {
            home = System.getProperty("user.home", "");
        }
        if (home.isEmpty()) {
            throw EngineException.invalid("no cache directory: set XDG_CACHE_HOME or HOME");
        }
        return new CacheDir(Path.of(home).resolve(".cache").resolve("pk3s").normalize());
    }

    public Path root() {
        return root;
    }

    /** {@code <root>/<name>}, created private if missing, checked to be the user's own and not shared. */
    public Path area(String name) {
        Path dir = root.resolve(name);
        try {
            Files2.createPrivateDirectories(dir);
        } catch (IOException e) {
            throw EngineException.invalid("cannot create cache directory " + dir + ": " + e.getMessage());
        }
        return checkPrivate(dir);
    }

    /** A directory the engine owns inside an area: the current user's, not writable by group or others. */
    public static Path checkPrivate(Path dir) {
        try {
            if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw unsafe(dir);
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (!ownedByCurrentUser(dir) || mode.contains(PosixFilePermission.GROUP_WRITE)
                    || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw unsafe(dir);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw EngineException.invalid("cannot inspect cache directory " + dir + ": " + e.getMessage());
        }
        return dir;
    }

    private static boolean ownedByCurrentUser(Path dir) throws IOException {
        Path self = Path.of("/proc/self");
        if (Files.isDirectory(self)) {
            return Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(Files.getAttribute(self, "unix:uid"));
        }
        return Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"));
    }

    private static EngineException unsafe(Path dir) {
        return EngineException.invalid("unsafe cache directory (not a private directory of the current user): " + dir);
    }
}
