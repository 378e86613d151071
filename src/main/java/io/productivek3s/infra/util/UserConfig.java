package io.productivek3s.infra.util;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The engine's per-user configuration directory, {@code ${XDG_CONFIG_HOME:-$HOME/.config}/pk3s}: the telemetry
 * answer and the signature trust file live there. {@code XDG_CONFIG_HOME} counts only when absolute, as the XDG spec
 * requires; empty when there is no home either.
 */
public final class UserConfig {
    private UserConfig() {
    }

    public static Optional<Path> directory(Map<String, String> env) {
        try {
            String xdg = env.getOrDefault("XDG_CONFIG_HOME", "");
            String home = env.getOrDefault("HOME", "");
            Path base = !xdg.isEmpty() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                    : !home.isEmpty() ? Path.of(home, ".config") : null;
            return Optional.ofNullable(base).map(dir -> dir.resolve("pk3s"));
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }
}
