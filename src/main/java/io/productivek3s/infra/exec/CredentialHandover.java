package io.productivek3s.infra.exec;

import io.productivek3s.infra.EngineException;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The state backend's credentials as the launcher handed them over (docs/state.md "Credentials"). A process's
 * initial environment stays readable in {@code /proc/<pid>/environ} by every process of the same user for as long as
 * it runs, scenarios included, so the launcher takes {@code PGPASSWORD} and a {@code PK3S_STATE_BACKEND} holding a
 * password out of the environment it gives the JVM and writes them to an inherited descriptor instead, whose number
 * is the system property {@value #PROPERTY}. They are read here, before any child starts, and put back into the
 * engine's environment map, from which {@code run.ChildCommands#baseEnvironment} keeps them out of every child.
 * Without the property (the engine jar run directly, in-process tests) the environment is used as it is.
 *
 * <p>The payload is {@code NAME=<byte length>:<value>} entries back to back (a value may hold any byte, newlines
 * included; a bash here-string cannot carry NUL), each name one of {@link #NAMES}; a later entry wins.
 */
public final class CredentialHandover {
    public static final String PROPERTY = "pk3s.credentials.fd";
    static final Set<String> NAMES = Set.of("PGPASSWORD", "PK3S_STATE_BACKEND");

    private CredentialHandover() {
    }

    /** {@code env} with the credentials read from descriptor {@code fd} (null or empty: none handed over). */
    public static Map<String, String> restore(Map<String, String> env, String fd) {
        if (fd == null || fd.isEmpty()) {
            return env;
        }
        if (!fd.matches("[0-9]{1,4}")) {
            throw EngineException.runtime("-D" + PROPERTY + " must name a file descriptor: " + fd);
        }
        Map<String, String> restored = new LinkedHashMap<>(env);
        restored.putAll(parse(drain(Path.of("/dev/fd", fd), fd)));
        return Collections.unmodifiableMap(restored);
    }

    /**
     * Reads the descriptor to its end. A pipe is then empty for good (its writer, the launcher, is gone); a here-string
     * bash kept in a deleted temporary file (bash before 5.1, or a large one) is truncated, so the descriptor the JVM
     * keeps open shows nothing to another process either. No child inherits it: the JVM closes every descriptor above
     * 2 when it starts one.
     */
    private static byte[] drain(Path path, String fd) {
        try {
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            // a plain read loop: FileInputStream.readAllBytes asks a pipe for its position ("Illegal seek")
            try (InputStream in = new FileInputStream(path.toFile())) {
                byte[] buffer = new byte[4096];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    payload.write(buffer, 0, n);
                }
            }
            scrubDeletedFile(fd);
            return payload.toByteArray();
        } catch (IOException e) {
            throw EngineException.runtime("could not read the state backend credentials the launcher handed over on"
                    + " file descriptor " + fd + ": " + e.getMessage());
        }
    }

    /** Truncates the here-string's temporary file, only when it is one: a deleted file (never a file someone keeps). */
    private static void scrubDeletedFile(String fd) throws IOException {
        Path link = Path.of("/proc/self/fd", fd);
        if (!Files.isSymbolicLink(link) || !Files.isRegularFile(link)
                || !Files.readSymbolicLink(link).toString().endsWith(" (deleted)")) {
            return;
        }
        try (FileChannel channel = FileChannel.open(link, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
    }

    /** The entries of a payload; exit 1 when it is not what the launcher writes. */
    static Map<String, String> parse(byte[] payload) {
        Map<String, String> values = new LinkedHashMap<>();
        int i = 0;
        while (i < payload.length) {
            if (payload[i] == '\n') { // the here-string's final newline
                i++;
                continue;
            }
            int eq = indexOf(payload, (byte) '=', i);
            int colon = eq < 0 ? -1 : indexOf(payload, (byte) ':', eq);
            if (colon < 0) {
                throw malformed();
            }
            String name = new String(payload, i, eq - i, StandardCharsets.UTF_8);
            String length = new String(payload, eq + 1, colon - eq - 1, StandardCharsets.US_ASCII);
            if (!NAMES.contains(name) || !length.matches("[0-9]{1,9}")) {
                throw malformed();
            }
            int start = colon + 1;
            int end = start + Integer.parseInt(length);
            if (end > payload.length) {
                throw malformed();
            }
            values.put(name, new String(payload, start, end - start, StandardCharsets.UTF_8));
            i = end;
        }
        return values;
    }

    private static int indexOf(byte[] data, byte wanted, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static EngineException malformed() {
        // never echoes the payload: it is a password
        return EngineException.runtime("the state backend credentials the launcher handed over are malformed");
    }
}
