package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The state of runs that could not be committed (issue 17; OpenTofu's {@code errored.tfstate}): when a run's new
 * revision cannot be written (backend unreachable, lease lost, disk trouble), what the persist would have stored is
 * kept here instead of vanishing with the run's temp dir, until {@code state push} commits it or discards it:
 * <pre>
 * &lt;state dir&gt;/.errored/&lt;name&gt;/&lt;yyyyMMddTHHmmssZ&gt;-&lt;pid&gt;/&lt;name&gt;.json        (when the run made a cluster.json)
 * &lt;state dir&gt;/.errored/&lt;name&gt;/&lt;yyyyMMddTHHmmssZ&gt;-&lt;pid&gt;/&lt;name&gt;.runtime/    generated/, opentofu/, engine-state.json
 * &lt;state dir&gt;/.errored/&lt;name&gt;/&lt;yyyyMMddTHHmmssZ&gt;-&lt;pid&gt;/errored.json        name, created_at, cause
 * </pre>
 * The layout is {@code state pull}'s, so {@code state push} reads both. Directories are 0700 and files 0600 (0700
 * when executable); a copy is staged under a dot name and renamed into place, so a listed copy is always whole. The
 * local mirror ({@code <name>.json}, {@code <name>.runtime/}) is never touched: it keeps the last committed state.
 */
public final class ErroredCopies {
    static final String DIR = ".errored";
    static final String MARKER = "errored.json";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern COPY = Pattern.compile("(\\d{8}T\\d{6}Z)-(\\d{1,10})(?:-\\d{1,4})?");
    private static final Pattern STAGING = Pattern.compile("\\.staging-(\\d{1,10})-[0-9a-f]{16}");

    /** One kept copy, for the WARN and {@code state show --json}'s {@code errored}. */
    public record Copy(Path path, Instant createdAt) {
    }

    private final Path stateDir;
    private final Path root;

    /** The copies kept beside the state in {@code stateDir}. */
    public ErroredCopies(Path stateDir) {
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.root = this.stateDir.resolve(DIR);
    }

    /** {@code <state dir>/.errored/<name>}: where {@code name}'s copies are kept. */
    public Path root(String name) {
        return root.resolve(StateNames.requireValid(name));
    }

    /**
     * Keeps what {@link StateStore#persist} would have stored for {@code scenarioDir}, captured by {@code policy} with
     * {@code ssh.key_path} pointing at {@code finalRuntimeDir} (where a push makes it current), and returns the copy.
     */
    public Path keep(String name, Path scenarioDir, Path finalRuntimeDir, EngineState metadata, SnapshotPolicy policy,
            String cause, Instant now) throws IOException {
        Path parent = parent(name);
        Path staging = parent.resolve(".staging-" + ProcessHandle.current().pid() + "-" + random());
        Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
        try {
            Files.setPosixFilePermissions(staging, Files2.DIR_PRIVATE);
            Path runtime = staging.resolve(name + ".runtime");
            Files.createDirectory(runtime, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
            Files.setPosixFilePermissions(runtime, Files2.DIR_PRIVATE);
            Optional<byte[]> json = policy.capture(scenarioDir, runtime, finalRuntimeDir, metadata);
            if (json.isPresent()) {
                Files2.writeAtomically(staging.resolve(name + ".json"), json.get(), Files2.FILE_PRIVATE);
            }
            var marker = Json.object();
            marker.put("name", name);
            marker.put("created_at", now.toString());
            marker.put("cause", cause);
            Files2.writeAtomically(staging.resolve(MARKER), Json.pretty(marker), Files2.FILE_PRIVATE);
            String base = STAMP.format(now) + "-" + ProcessHandle.current().pid();
            Path target = parent.resolve(base);
            for (int n = 2; Files.exists(target, LinkOption.NOFOLLOW_LINKS); n++) {
                target = parent.resolve(base + "-" + n);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            Files2.deleteQuietly(staging);
        }
    }

    /**
     * Where a new copy of {@code name} goes: {@code .errored/<name>}, created without following a link
     * (docs/state.md "Links inside the history"). When a link was planted there, refusing would throw the
     * run's state away, so the copy goes to a new private directory {@code .errored-<random>} beside it instead,
     * which mkdir creates and never follows; the ERROR line names it, and `state push --from` takes it as any copy.
     */
    private Path parent(String name) throws IOException {
        Path parent = root(name);
        try {
            return StateDirectories.create(stateDir, parent);
        } catch (EngineException link) {
            Path elsewhere = stateDir.resolve(DIR + "-" + random()).resolve(name);
            Files.createDirectory(elsewhere.getParent(), PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
            Files.createDirectory(elsewhere, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
            Files.setPosixFilePermissions(elsewhere.getParent(), Files2.DIR_PRIVATE);
            Files.setPosixFilePermissions(elsewhere, Files2.DIR_PRIVATE);
            return elsewhere;
        }
    }

    /**
     * The copies kept for {@code name}, oldest first. Staging directories of processes that are gone (killed while
     * keeping a copy) are removed on the way.
     */
    public List<Copy> list(String name) throws IOException {
        Path parent = root(name);
        List<Copy> copies = new ArrayList<>();
        if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            return copies;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent)) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                Matcher copy = COPY.matcher(file);
                Matcher staging = STAGING.matcher(file);
                if (copy.matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    copies.add(new Copy(entry, createdAt(entry, copy.group(1))));
                } else if (staging.matches() && ProcessHandle.of(Long.parseLong(staging.group(1))).isEmpty()) {
                    Files2.deleteQuietly(entry);
                }
            }
        }
        copies.sort(Comparator.comparing(Copy::createdAt).thenComparing(c -> c.path().getFileName().toString()));
        return copies;
    }

    /** The one WARN of a command on {@code name} while copies are kept; empty when there are none (or unreadable). */
    public Optional<String> warning(String name) {
        List<Copy> copies;
        try {
            copies = list(name);
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
        if (copies.isEmpty()) {
            return Optional.empty();
        }
        Path newest = copies.get(copies.size() - 1).path();
        String more = copies.size() == 1 ? "" : " (" + (copies.size() - 1) + " older in " + newest.getParent() + ")";
        return Optional.of("state '" + name + "' has uncommitted state from a failed run in " + newest + ": run 'state push "
                + name + " --from " + newest + "'" + more);
    }

    /** Whether {@code dir} is one of {@code name}'s kept copies (after resolving links). */
    public boolean isCopy(String name, Path dir) {
        try {
            Path real = dir.toRealPath();
            Path parent = root(name);
            return Files.isDirectory(parent) && real.getParent().equals(parent.toRealPath())
                    && COPY.matcher(real.getFileName().toString()).matches();
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes a kept copy, then its name's directory and {@code .errored} when they became empty. */
    public void remove(String name, Path copy) throws IOException {
        if (!isCopy(name, copy)) {
            throw new IllegalArgumentException("not an errored copy of " + name + ": " + copy);
        }
        Files2.deleteRecursively(copy.toRealPath());
        deleteIfEmpty(root(name));
        deleteIfEmpty(root);
    }

    /**
     * Checks that {@code dir} holds a state {@code state push} understands for {@code name}: an errored copy or a
     * {@code state pull} output, i.e. {@code <name>.runtime/} with a readable {@code engine-state.json}, and
     * {@code <name>.json} beside it if anything. Returns that engine state; anything else is exit 4.
     */
    public static EngineState readPushable(String name, Path dir) {
        Path runtime = dir.resolve(name + ".runtime");
        Path engineState = runtime.resolve(SnapshotPolicy.ENGINE_STATE);
        Path json = dir.resolve(name + ".json");
        boolean layout = Files.isDirectory(runtime, LinkOption.NOFOLLOW_LINKS)
                && Files.isRegularFile(engineState, LinkOption.NOFOLLOW_LINKS)
                && (!Files.exists(json, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(json, LinkOption.NOFOLLOW_LINKS));
        if (layout) {
            try {
                return EngineState.fromJson(ClusterJson.decode(Files.readAllBytes(engineState)));
            } catch (IOException malformed) {
                // reported below
            }
        }
        throw EngineException.invalid("refusing to push " + dir + ": it is neither an errored copy nor a 'state pull' of '"
                + name + "' (" + name + ".runtime/ with engine-state.json, and " + name + ".json beside it)");
    }

    private static Instant createdAt(Path copy, String stamp) {
        try {
            String text = Files.readString(copy.resolve(MARKER));
            var node = Json.parse(text);
            if (node != null && node.path("created_at").isTextual()) {
                return Instant.parse(node.get("created_at").asText());
            }
        } catch (IOException | RuntimeException unreadable) {
            // fall back to the directory's name
        }
        return Instant.from(STAMP.parse(stamp));
    }

    private static void deleteIfEmpty(Path dir) {
        try {
            Files.delete(dir);
        } catch (NoSuchFileException | java.nio.file.DirectoryNotEmptyException notEmpty) {
            // another copy is still kept
        } catch (IOException ignored) {
            // an empty directory left behind is harmless
        }
    }

    private static String random() {
        byte[] bytes = new byte[8];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
