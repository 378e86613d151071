package io.productivek3s.infra.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Undelivered events (docs/telemetry.md#outbox): one record pair per event, {@code event-<run_id>-<event_name>-attempt-<n>.json}
 * (the payload, byte for byte what was or will be sent) and {@code .status} ({@code attempt}, {@code curl_exit},
 * {@code http_status}, {@code recorded_at}, plus {@code exit_code}/{@code duration_ms} for completed events).
 * Directory 0700, files 0600, written atomically. Bounded: at most {@value #MAX_RECORDS} events of at most
 * {@value #MAX_PAYLOAD_BYTES} bytes each, the oldest dropped first; records older than 30 days are deleted unsent.
 * Age is the payload file's modification time, which a failed replay keeps.
 */
public final class Outbox {
    static final int MAX_RECORDS = 100;
    static final int MAX_PAYLOAD_BYTES = 64 * 1024;
    static final int REPLAY_BATCH = 20;
    static final Duration EXPIRY = Duration.ofDays(30);
    static final String DEFAULT_SUBDIR = "pk3s/telemetry-outbox";

    private static final Pattern PAYLOAD = Pattern.compile("^event-(.+)-([a-z][a-z0-9_.]*)-attempt-([0-9]{1,6})\\.json$");
    private static final java.util.Set<String> STATUS_KEYS = java.util.Set.of("attempt", "curl_exit", "http_status", "recorded_at");
    private static final Pattern UNSAFE_ID = Pattern.compile("[^A-Za-z0-9_-]");

    /** A stored event awaiting replay. */
    public record Record(Path payload, String runId, String eventName, int attempts, String body) {
    }

    private final Path dir;
    private final Clock clock;

    public Outbox(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /**
     * Where undelivered events go: {@code TELEMETRY_OUTBOX_DIR} when non-empty (relative to the caller's directory),
     * else {@code $XDG_CACHE_HOME/pk3s/telemetry-outbox}, else {@code $HOME/.cache/pk3s/telemetry-outbox}, each only
     * when it exists writable or could be created; else next to the state directory. Nothing is created here.
     */
    public static Optional<Path> locate(Map<String, String> env, Path callerBaseDir, Supplier<Optional<Path>> stateDir) {
        try {
            String explicit = env.getOrDefault("TELEMETRY_OUTBOX_DIR", "");
            if (!explicit.isEmpty()) {
                return Optional.of(callerBaseDir.resolve(explicit).toAbsolutePath().normalize());
            }
            String xdg = env.getOrDefault("XDG_CACHE_HOME", "");
            if (!xdg.isEmpty()) {
                Path candidate = callerBaseDir.resolve(xdg).resolve(DEFAULT_SUBDIR).normalize();
                if (creatable(candidate)) {
                    return Optional.of(candidate);
                }
            }
            String home = env.getOrDefault("HOME", "");
            if (!home.isEmpty() && Path.of(home).isAbsolute() && Files.isDirectory(Path.of(home))) {
                Path candidate = Path.of(home).resolve(".cache").resolve(DEFAULT_SUBDIR).normalize();
                if (creatable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        } catch (InvalidPathException e) {
            // an unusable path value falls through to the state-dir fallback
        }
        return stateDir.get().map(state -> state.resolveSibling("telemetry-outbox"));
    }

    /** An existing writable directory, or missing with its nearest existing ancestor a writable directory. */
    private static boolean creatable(Path dir) {
        Path probe = dir;
        while (probe != null && !Files.exists(probe)) {
            probe = probe.getParent();
        }
        return probe != null && Files.isDirectory(probe) && Files.isWritable(probe);
    }

    public Path directory() {
        return dir;
    }

    /**
     * Records an undelivered event, replacing older records of the same event and dropping the oldest events when
     * the outbox is full. Payloads above the size bound are not stored.
     */
    public synchronized void store(String runId, String eventName, String body, DeliveryOutcome outcome,
            Map<String, String> extra) throws IOException {
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new IOException("event of " + payload.length + " bytes exceeds the outbox record limit");
        }
        Files2.createPrivateDirectories(dir);
        String id = safeId(runId);
        deleteEvent(id, eventName);
        List<Path> existing = payloads();
        for (int i = 0; i <= existing.size() - MAX_RECORDS; i++) {
            deletePair(existing.get(i));
        }
        String base = "event-" + id + "-" + eventName + "-attempt-" + outcome.attempts();
        Files2.writeAtomically(dir.resolve(base + ".json"), payload, Files2.FILE_PRIVATE);
        Files2.writeAtomically(dir.resolve(base + ".status"), status(outcome, extra), Files2.FILE_PRIVATE);
    }

    /** Deletes every record of an event (after a successful delivery). */
    public synchronized void delete(String runId, String eventName) throws IOException {
        deleteEvent(safeId(runId), eventName);
    }

    /** Deletes expired records and returns up to {@value #REPLAY_BATCH} pending ones, oldest first. */
    public synchronized List<Record> pending() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        Instant cutoff = clock.instant().minus(EXPIRY);
        List<Record> records = new ArrayList<>();
        for (Path payload : payloads()) {
            if (modified(payload).isBefore(cutoff)) {
                deletePair(payload);
                continue;
            }
            if (records.size() < REPLAY_BATCH) {
                read(payload).ifPresent(records::add);
            }
        }
        return records;
    }

    /** A replayed record failed again: the attempt count grows, the status is rewritten, the payload and its age stay. */
    public synchronized void retried(Record record, DeliveryOutcome outcome) throws IOException {
        int attempts = record.attempts() + outcome.attempts();
        Map<String, String> extra = extraStatus(statusOf(record.payload()));
        String base = "event-" + safeId(record.runId()) + "-" + record.eventName() + "-attempt-" + attempts;
        Path payload = dir.resolve(base + ".json");
        if (!payload.equals(record.payload())) {
            Files2.moveAtomically(record.payload(), payload);
            Files.deleteIfExists(statusOf(record.payload()));
        }
        Files2.writeAtomically(dir.resolve(base + ".status"), status(new DeliveryOutcome(false, attempts,
                outcome.curlExit(), outcome.httpStatus()), extra), Files2.FILE_PRIVATE);
    }

    /** Status lines beyond the four the outbox maintains (exit_code, duration_ms), kept across retries. */
    private static Map<String, String> extraStatus(Path status) {
        Map<String, String> extra = new LinkedHashMap<>();
        try {
            if (Files.isRegularFile(status, LinkOption.NOFOLLOW_LINKS) && Files.size(status) <= MAX_PAYLOAD_BYTES) {
                for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                    int eq = line.indexOf('=');
                    String key = eq > 0 ? line.substring(0, eq) : "";
                    if (!key.isEmpty() && !STATUS_KEYS.contains(key)) {
                        extra.put(key, line.substring(eq + 1));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // a damaged status file loses its extra lines only
        }
        return extra;
    }

    /** Records already re-sent unchanged are simply removed. */
    public synchronized void delivered(Record record) throws IOException {
        deletePair(record.payload());
    }

    /**
     * Exclusive right to replay, so two engine runs sharing an outbox do not send the same record twice; empty when
     * another run holds it or the outbox does not exist. Closing the channel releases the lock.
     */
    public Optional<FileChannel> replayLock() {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        FileChannel channel = null;
        try {
            Path file = dir.resolve(".replay.lock");
            channel = Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                    ? FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)
                    : FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                            PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE));
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return Optional.of(channel);
            }
        } catch (IOException | RuntimeException e) {
            // no lock, no replay this run; the records stay for the next one
        }
        closeQuietly(channel);
        return Optional.empty();
    }

    static String safeId(String runId) {
        String id = UNSAFE_ID.matcher(runId == null ? "" : runId).replaceAll("_");
        if (id.isEmpty()) {
            return "unknown";
        }
        return id.length() > 64 ? id.substring(0, 64) : id;
    }

    private String status(DeliveryOutcome outcome, Map<String, String> extra) {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("attempt", String.valueOf(outcome.attempts()));
        lines.put("curl_exit", String.valueOf(outcome.curlExit()));
        lines.put("http_status", outcome.httpStatus() == 0 ? "" : String.valueOf(outcome.httpStatus()));
        lines.put("recorded_at", EventDocument.timestamp(ZonedDateTime.now(clock)));
        lines.putAll(extra);
        StringBuilder text = new StringBuilder();
        lines.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        return text.toString();
    }

    private Optional<Record> read(Path payload) {
        Matcher matcher = PAYLOAD.matcher(payload.getFileName().toString());
        try {
            if (!matcher.matches() || !Files.isRegularFile(payload, LinkOption.NOFOLLOW_LINKS)
                    || Files.size(payload) > MAX_PAYLOAD_BYTES) {
                return Optional.empty();
            }
            String body = Files.readString(payload, StandardCharsets.UTF_8);
            JsonNode parsed = Json.parse(body);
            if (!parsed.isObject()) {
                return Optional.empty();
            }
            return Optional.of(new Record(payload, matcher.group(1), matcher.group(2), Integer.parseInt(matcher.group(3)), body));
        } catch (IOException | RuntimeException e) {
            // not a record we can replay unchanged; it expires like any other
            return Optional.empty();
        }
    }

    /** Payload files of well-formed record names, oldest first. */
    private List<Path> payloads() throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "event-*-attempt-*.json")) {
            for (Path path : stream) {
                if (PAYLOAD.matcher(path.getFileName().toString()).matches()) {
                    found.add(path);
                }
            }
        }
        // oldest first; within one run started before completed, whatever the file times say
        found.sort(Comparator.comparing(Outbox::modified)
                .thenComparing(path -> path.getFileName().toString().contains("-" + EventDocument.STARTED + "-") ? 0 : 1)
                .thenComparing(path -> path.getFileName().toString()));
        return found;
    }

    private void deleteEvent(String id, String eventName) throws IOException {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "event-" + id + "-" + eventName + "-attempt-*")) {
            for (Path path : stream) {
                String name = path.getFileName().toString();
                String rest = name.substring(("event-" + id + "-" + eventName + "-attempt-").length());
                if (rest.matches("[0-9]{1,6}\\.(json|status)")) {
                    Files.deleteIfExists(path);
                }
            }
        } catch (NoSuchFileException e) {
            // no outbox, nothing to delete
        }
    }

    private static void deletePair(Path payload) throws IOException {
        Files.deleteIfExists(payload);
        Files.deleteIfExists(statusOf(payload));
    }

    private static Path statusOf(Path payload) {
        String name = payload.getFileName().toString();
        return payload.resolveSibling(name.substring(0, name.length() - ".json".length()) + ".status");
    }

    private static Instant modified(Path path) {
        try {
            return Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (IOException e) {
            return FileTime.fromMillis(0).toInstant();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // releasing a lock we never got
            }
        }
    }
}
