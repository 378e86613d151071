package io.productivek3s.infra.state.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.state.CrashPoints;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.RevisionPayload;
import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.state.driver.StoredRevision;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import io.productivek3s.infra.util.Timestamps;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The revision records of the local driver, {@code .history/revisions/<name>/} (docs/state.md "Local backend"):
 * <pre>
 * &lt;n&gt;.json                  the record: metadata and summary (format 2; small, so history and list read only it)
 * &lt;n&gt;.&lt;16 hex&gt;.payload      the payload bytes (tree manifest, cluster.json), named by their digest
 * &lt;n&gt;.&lt;16 hex&gt;.objects      the objects the revision references, one address a line, for garbage collection
 * </pre>
 * The record names the digests of both side files, so renaming {@code <n>.json} into place is the one commit point of
 * an append or a replace (side files first, each written to a temp file, synced and renamed; then the record the
 * same way; then the directory synced). Side files no record names are leftovers of an interrupted write and are
 * swept with the garbage. Records of format 1 (written before the driver: metadata, the tree and the
 * {@code cluster.json} in one file, no summary) are read as they are; their payload is rebuilt from them. The
 * caller holds the history lock (exclusively to write or sweep).
 */
final class RecordFiles {
    static final int FORMAT = 2;
    static final int LEGACY_FORMAT = 1;
    /** A record's file name; {@link #recordNumber} reads it without a regex (named here as its reference). */
    static final Pattern RECORD = Pattern.compile("([0-9]{1,18})\\.json");
    private static final Pattern SIDE = Pattern.compile("([0-9]{1,18})\\.([0-9a-f]{16})\\.(payload|objects)");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path root;

    RecordFiles(Path historyDir) {
        this.root = historyDir.resolve("revisions");
    }

    /** {@code .history/revisions}: checked for links before a collection lists it ({@link HistoryDirs}). */
    Path root() {
        return root;
    }

    /** A record as stored: its metadata, and how its payload and objects are found. */
    sealed interface Record permits Current, Legacy {
        RevisionInfo info();
    }

    /** Format 2: summary inline, payload and objects in side files named by their digests. */
    record Current(RevisionInfo info, byte[] summary, String payloadSha256, String objectsSha256) implements Record {
    }

    /** Format 1: everything in the record; no summary (the tree's engine-state.json object is it). */
    record Legacy(RevisionInfo info, TreeManifest tree, byte[] clusterJson) implements Record {
        Set<String> objects() {
            Set<String> shas = new TreeSet<>();
            tree.entries().stream().filter(e -> e.kind() == TreeManifest.Kind.FILE).forEach(e -> shas.add(e.sha256()));
            return shas;
        }
    }

    /** Names with a revision directory, as they appear on disk (validated by the caller). */
    List<String> names() throws IOException {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return names;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    names.add(entry.getFileName().toString());
                }
            }
        }
        names.sort(null);
        return names;
    }

    /** The kept revision numbers of {@code name}, ascending. */
    List<Long> numbers(String name) throws IOException {
        List<Long> numbers = new ArrayList<>();
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return numbers;
        }
        String[] files;
        try {
            files = Files2.names(dir); // as strings: `state history` lists a name's every record
        } catch (NotDirectoryException gone) {
            return numbers;
        }
        for (String file : files) {
            long number = recordNumber(file);
            if (number >= 0) {
                numbers.add(number);
            }
        }
        numbers.sort(null);
        return numbers;
    }

    /**
     * The newest record number of every name that has one, by name: what {@link #names} and {@link #numbers} answer
     * together, in one {@link Walk}.
     */
    SortedMap<String, Long> newest() throws IOException {
        SortedMap<String, Long> newest = new TreeMap<>();
        try (Walk walk = walk()) {
            for (String name : walk.names()) {
                long number = walk.newest(name);
                if (number >= 0) {
                    newest.put(name, number);
                }
            }
        }
        return newest;
    }

    /** One reading of {@code revisions/} (see {@link Walk}). */
    Walk walk() throws IOException {
        return new Walk();
    }

    /** The file of record {@code revision} of {@code name}. */
    Path file(String name, long revision) {
        return root.resolve(name).resolve(fileName(revision));
    }

    /** The name of record {@code revision}'s file in its name's {@link #directory}. */
    static String fileName(long revision) {
        return revision + ".json";
    }

    /** The directory of {@code name}'s records. */
    Path directory(String name) {
        return root.resolve(name);
    }

    /**
     * One pass over {@code revisions/}: the names in it, and on request a name's newest record number, read by
     * opening the name's directory relative to {@code revisions/} without following a link, instead of three lookups
     * from the root per name ({@code state list} asks for every name: docs/performance.md "State at scale").
     */
    final class Walk implements Closeable {
        private final boolean present;
        private DirectoryStream<Path> entries;
        private SecureDirectoryStream<Path> secure;

        private Walk() {
            present = Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS);
        }

        /** The names of the entries of {@code revisions/}, directories or not, sorted. */
        List<String> names() throws IOException {
            if (!present) {
                return List.of();
            }
            List<String> names = new ArrayList<>(List.of(Files2.names(root)));
            names.sort(null);
            return names;
        }

        /**
         * The newest record number of {@code name}; -1 when it has none, or is a file, a link or gone. A directory
         * that cannot be read is an error, as {@link #numbers} reports it.
         */
        long newest(String name) throws IOException {
            if (entries == null) { // opened on the first name a listing must read: a vouching memo needs none
                entries = Files.newDirectoryStream(root);
                secure = entries instanceof SecureDirectoryStream<Path> s ? s : null;
            }
            if (secure == null) { // a platform without openat(2)
                List<Long> numbers = numbers(name);
                return numbers.isEmpty() ? -1 : numbers.get(numbers.size() - 1);
            }
            Path relative = root.getFileSystem().getPath(name);
            SecureDirectoryStream<Path> dir;
            try {
                dir = secure.newDirectoryStream(relative, LinkOption.NOFOLLOW_LINKS);
            } catch (FileSystemException notADirectory) {
                if (Files.isDirectory(root.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    throw notADirectory;
                }
                return -1;
            }
            long max = -1;
            try (dir) {
                for (Path file : dir) {
                    max = Math.max(max, recordNumber(file.getFileName().toString()));
                }
            }
            return max;
        }

        @Override
        public void close() throws IOException {
            if (entries != null) {
                entries.close();
            }
        }
    }

    /**
     * The revision number a file called {@code file} records, as {@link #RECORD} reads it ({@code <1-18 digits>.json});
     * -1 for any other name. By hand: {@code state list} reads the names of every cluster's directory, three files
     * each (docs/performance.md "Local `state list` at 1,000 clusters").
     */
    static long recordNumber(String file) {
        int digits = file.length() - ".json".length();
        if (digits < 1 || digits > 18 || !file.endsWith(".json")) {
            return -1;
        }
        long number = 0;
        for (int i = 0; i < digits; i++) {
            char c = file.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            number = number * 10 + (c - '0');
        }
        return number;
    }

    /** Record {@code revision} of {@code name}; empty when it is not kept. */
    Optional<Record> read(String name, long revision) throws IOException {
        Path file = file(name, revision);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        }
        return Optional.of(parse(bytes, file));
    }

    /** The payload bytes of a format-2 record, checked against the digest the record names. */
    byte[] payload(Current record) throws IOException {
        return side(record.info(), record.payloadSha256(), "payload");
    }

    /** The objects a record references. */
    Set<String> objects(Record record) throws IOException {
        if (record instanceof Legacy legacy) {
            return legacy.objects();
        }
        Current current = (Current) record;
        String text = new String(side(current.info(), current.objectsSha256(), "objects"), StandardCharsets.US_ASCII);
        Set<String> objects = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                objects.add(line);
            }
        }
        return objects;
    }

    /** The payload a legacy record holds, in the layer's payload format. */
    static byte[] payload(Legacy legacy) throws IOException {
        return legacy.info().removed() ? new byte[0] : new RevisionPayload(legacy.tree(), legacy.clusterJson()).encode();
    }

    private byte[] side(RevisionInfo info, String sha256, String kind) throws IOException {
        Path file = sideFile(info.name(), info.revision(), sha256, kind);
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException missing) {
            throw new IOException("the " + kind + " of revision " + info.revision() + " of '" + info.name()
                    + "' is missing: " + file);
        }
        if (!sha256(content).equals(sha256)) {
            throw new IOException("the " + kind + " of revision " + info.revision() + " of '" + info.name()
                    + "' does not match the digest its record names: " + file);
        }
        return content;
    }

    private Path sideFile(String name, long revision, String sha256, String kind) {
        return root.resolve(name).resolve(revision + "." + sha256.substring(0, 16) + "." + kind);
    }

    /**
     * Writes {@code revision} with its {@code objects} as record {@code <n>.json}, replacing one that is there
     * ({@code replace}) or creating it. {@code staged}: the crash point reached once everything but the record's
     * rename is on disk.
     */
    void write(StoredRevision revision, Set<String> objects, String staged) throws IOException {
        RevisionInfo info = revision.info();
        Path dir = HistoryDirs.create(root.getParent(), root.resolve(info.name()));
        byte[] payload = revision.payload();
        byte[] objectList = String.join("\n", new TreeSet<>(objects)).concat(objects.isEmpty() ? "" : "\n")
                .getBytes(StandardCharsets.US_ASCII);
        String payloadSha = sha256(payload);
        String objectsSha = sha256(objectList);
        durably(sideFile(info.name(), info.revision(), payloadSha, "payload"), payload);
        durably(sideFile(info.name(), info.revision(), objectsSha, "objects"), objectList);
        byte[] record = toJson(info, revision.summary(), payloadSha, objectsSha).getBytes(StandardCharsets.UTF_8);
        Path tmp = dir.resolve("." + info.revision() + ".json." + hex() + ".tmp");
        try {
            sync(tmp, record);
            CrashPoints.reach(staged);
            Files.move(tmp, dir.resolve(info.revision() + ".json"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory(dir);
    }

    /** Deletes record {@code revision} of {@code name} (its side files go with the next {@link #sweep}). */
    boolean delete(String name, long revision) throws IOException {
        return Files.deleteIfExists(root.resolve(name).resolve(revision + ".json"));
    }

    /**
     * Deletes what no record names in {@code name}'s directory: side files of pruned or replaced records and of
     * writes that never committed, temp files, and records an engine before the driver staged and never published
     * ({@code <n>.staged-<txn>}). A directory left empty goes too.
     */
    void sweep(String name) throws IOException {
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Set<String> named = new HashSet<>();
        for (long n : numbers(name)) {
            Optional<Record> record;
            try {
                record = read(name, n);
            } catch (IOException unreadable) {
                return; // never guess what a damaged record needs
            }
            if (record.isPresent() && record.get() instanceof Current c) {
                named.add(n + "." + c.payloadSha256().substring(0, 16) + ".payload");
                named.add(n + "." + c.objectsSha256().substring(0, 16) + ".objects");
            }
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                if (!RECORD.matcher(file).matches() && !named.contains(file)) {
                    Files.deleteIfExists(entry);
                }
            }
        }
        try {
            Files.delete(dir);
        } catch (java.nio.file.DirectoryNotEmptyException kept) {
            // it holds records
        }
    }

    /**
     * Whether {@code name}'s directory holds what an interrupted write left (a temp file, a side file of a record
     * that was never renamed into place, a record an engine before the driver staged): one listing, no reading.
     */
    boolean hasStrays(String name) throws IOException {
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Set<String> files = new HashSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(e -> files.add(e.getFileName().toString()));
        }
        for (String file : files) {
            Matcher side = SIDE.matcher(file);
            if (side.matches() ? !files.contains(side.group(1) + ".json") : !RECORD.matcher(file).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every object any kept record references; empty (collect nothing) when a record cannot be read, so a damaged
     * record never costs another revision its content.
     */
    Optional<Set<String>> referenced() throws IOException {
        Set<String> shas = new HashSet<>();
        for (String name : names()) {
            for (long n : numbers(name)) {
                try {
                    Optional<Record> record = read(name, n);
                    if (record.isPresent()) {
                        shas.addAll(objects(record.get()));
                    }
                } catch (IOException unreadable) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(shas);
    }

    // ---- format ----------------------------------------------------------------------------------------------

    static String toJson(RevisionInfo info, byte[] summary, String payloadSha, String objectsSha) throws IOException {
        ObjectNode root = Json.object();
        root.put("format", FORMAT);
        putInfo(root, info);
        root.put("summary_base64", Base64.getEncoder().encodeToString(summary));
        root.put("payload_sha256", payloadSha);
        root.put("objects_sha256", objectsSha);
        return Json.compact(root);
    }

    /** The metadata fields, the same in both formats. */
    static void putInfo(ObjectNode root, RevisionInfo info) {
        root.put("name", info.name());
        root.put("revision", info.revision());
        root.put("created_at", info.createdAt().toString());
        root.put("who", info.who());
        root.put("command", info.command());
        root.put("result", info.result());
        if (info.exitCode() == null) {
            root.putNull("exit_code");
        } else {
            root.put("exit_code", info.exitCode());
        }
        root.put("profile_name", info.profileName());
        root.put("profile_version", info.profileVersion());
        root.put("package_sha256", info.packageSha256());
        root.put("tree_sha256", info.treeSha256());
        root.put("files", info.files());
        root.put("bytes", info.bytes());
        root.put("removed", info.removed());
    }

    /**
     * A record's fields as read, before they are judged: {@link RecordStream} reads a record in the shape
     * {@link #toJson} writes without a tree, the tree reader below reads any other; {@link #current} judges both.
     * Absent fields read as Jackson's {@code path(...)} reads them ({@code ""}, 0, false) or as null.
     */
    record Fields(int format, String name, long revision, String createdAt, String who, String command, String result,
            Integer exitCode, String profileName, String profileVersion, String packageSha256, String treeSha256,
            long files, long bytes, boolean removed, String summaryBase64, String payloadSha256, String objectsSha256) {
    }

    /**
     * Reads a record, refusing a malformed one with one line naming {@code file}. The record of every cluster is
     * read on each {@code state list}, so one in the shape this engine writes is read by a streaming parser (a
     * tenth of the cost of a tree: docs/performance.md "State at scale"); anything else (a record of format 1, one
     * edited by hand, one that is not JSON) by the tree, whose reading of odd values and whose messages are the
     * reference. Both end in {@link #current} or {@link #legacy}, the one place that judges the fields.
     */
    static Record parse(String text, Path file) throws IOException {
        Optional<Fields> canonical = RecordStream.read(text);
        return canonical.isPresent() ? current(canonical.get(), file) : parseTree(text, file);
    }

    /**
     * {@link #parse(String, Path)} of a file's bytes, which must be UTF-8 (as {@link Files#readString} requires). A
     * record the engine wrote is ASCII: the stream reads its bytes directly, without decoding them into a string
     * first; anything else is decoded strictly and read as text.
     */
    static Record parse(byte[] bytes, Path file) throws IOException {
        if (isAscii(bytes)) {
            Optional<Fields> canonical = RecordStream.read(bytes);
            if (canonical.isPresent()) {
                return current(canonical.get(), file);
            }
            return parseTree(new String(bytes, StandardCharsets.US_ASCII), file);
        }
        return parse(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString(), file);
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** {@link #parse} through a tree: any record, whatever its shape (the reference {@link RecordStream} follows). */
    static Record parseTree(String text, Path file) throws IOException {
        JsonNode root;
        try {
            root = Json.parse(text);
        } catch (IOException malformed) {
            throw new IOException("revision record " + file + " is not JSON: " + malformed.getMessage());
        }
        int format = root == null || !root.isObject() ? 0 : root.path("format").asInt(0);
        if (format != FORMAT && format != LEGACY_FORMAT) {
            throw new IOException("revision record " + file + " is not of format " + LEGACY_FORMAT + " or " + FORMAT);
        }
        Fields fields = new Fields(format,
                root.path("name").asText(),
                root.path("revision").asLong(),
                root.path("created_at").asText(),
                text(root, "who"),
                text(root, "command"),
                text(root, "result"),
                root.path("exit_code").isNumber() ? root.path("exit_code").asInt() : null,
                text(root, "profile_name"),
                text(root, "profile_version"),
                text(root, "package_sha256"),
                text(root, "tree_sha256"),
                root.path("files").asLong(),
                root.path("bytes").asLong(),
                root.path("removed").asBoolean(false),
                text(root, "summary_base64"),
                text(root, "payload_sha256"),
                text(root, "objects_sha256"));
        return format == LEGACY_FORMAT ? legacy(fields, root, file) : current(fields, file);
    }

    private static Current current(Fields fields, Path file) throws IOException {
        RevisionInfo info = info(fields, file);
        String payload = fields.payloadSha256();
        String objects = fields.objectsSha256();
        if (payload == null || !SHA256.matcher(payload).matches() || objects == null
                || !SHA256.matcher(objects).matches()) {
            throw new IOException("revision record " + file + " names no payload or objects digest");
        }
        String summary = fields.summaryBase64();
        try {
            return new Current(info, summary == null ? new byte[0] : Base64.getDecoder().decode(summary), payload,
                    objects);
        } catch (IllegalArgumentException e) {
            throw malformed(file, e);
        }
    }

    private static Legacy legacy(Fields fields, JsonNode root, Path file) throws IOException {
        RevisionInfo info = info(fields, file);
        try {
            String json = text(root, "cluster_json_base64");
            return new Legacy(info, TreeManifest.fromJson(root.path("tree").toString()),
                    json == null ? null : Base64.getDecoder().decode(json));
        } catch (IllegalArgumentException e) {
            throw malformed(file, e);
        }
    }

    private static RevisionInfo info(Fields f, Path file) throws IOException {
        try {
            return new RevisionInfo(f.name(), f.revision(), Timestamps.parse(f.createdAt()), f.who(), f.command(),
                    f.result(), f.exitCode(), f.profileName(), f.profileVersion(), f.packageSha256(), f.treeSha256(),
                    f.files(), f.bytes(), f.removed());
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw malformed(file, e);
        }
    }

    private static IOException malformed(Path file, RuntimeException e) {
        return new IOException("malformed revision record " + file + ": " + e.getMessage());
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    // ---- durable writes --------------------------------------------------------------------------------------

    /** Writes {@code content} to {@code target} (temp file, sync, rename); a file already there is replaced. */
    private static void durably(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + hex() + ".tmp");
        try {
            sync(tmp, content);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void sync(Path file, byte[] content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    }

    /** Makes a rename in {@code dir} durable; a filesystem that cannot sync a directory is left to its own rules. */
    static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // e.g. a filesystem that refuses fsync on directories: the rename is still atomic
        }
    }

    static String sha256(byte[] content) {
        return HexFormat.of().formatHex(Digests.newDigest().digest(content));
    }

    private static String hex() {
        byte[] random = new byte[8];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
