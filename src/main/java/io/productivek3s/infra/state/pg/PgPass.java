package io.productivek3s.infra.state.pg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * libpq's password file: lines {@code hostname:port:database:username:password}, {@code *} matching anything,
 * {@code \:} and {@code \\} escaping, {@code #} comments; the first matching line wins. Like libpq, a file that
 * group or others may read is ignored (with a WARN), so a leaked password is not silently used.
 */
final class PgPass {
    private PgPass() {
    }

    /** {@code PGPASSFILE}, else {@code $HOME/.pgpass}; null when neither is known. */
    static Path file(Map<String, String> env) {
        String explicit = env.get("PGPASSFILE");
        if (explicit != null && !explicit.isEmpty()) {
            return Path.of(explicit);
        }
        String home = env.get("HOME");
        return home == null || home.isEmpty() ? null : Path.of(home, ".pgpass");
    }

    static Optional<String> lookup(Path file, String host, int port, String database, String user,
            Consumer<String> warn) {
        if (file == null || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (mode.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                warn.accept("password file " + file + " has group or world access and is ignored;"
                        + " permissions should be u=rw (0600)");
                return Optional.empty();
            }
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | UnsupportedOperationException e) {
            warn.accept("could not read password file " + file + ": " + e.getMessage());
            return Optional.empty();
        }
        String[] wanted = {host, Integer.toString(port), database, user};
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> fields = split(line);
            if (fields.size() < 5) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < 4 && match; i++) {
                String field = fields.get(i);
                match = field.equals("*") || field.equals(wanted[i]);
            }
            if (match) {
                return Optional.of(fields.get(4));
            }
        }
        return Optional.empty();
    }

    /** Splits on unescaped ':'; the fifth field (the password) takes the rest of the line. */
    private static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                current.append(line.charAt(++i));
            } else if (c == ':' && fields.size() < 4) {
                fields.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        fields.add(current.toString());
        return fields;
    }
}
