package io.productivek3s.infra.state.local;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.FsClock;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the last {@code state list} read of every name's newest record, so that the next one reads no record that
 * has not changed (docs/state.md "Heads memo"). A cache in {@code .history/heads.memo}: lost, garbled or stale, the
 * records are read again; it is never a source of truth and never written by a command that changes state.
 *
 * <p>An entry vouches for a name's head only under the rule of the digest memo ({@link
 * io.productivek3s.infra.fs.DigestMemo}: git's "racily clean" rule made exact), applied twice: the name's directory
 * under {@code revisions/} has the identity recorded (so no record was added, removed or renamed there: every such
 * change sets the directory's change time), and so has the newest record's file (so it was not edited in place), and
 * both identities were recorded strictly before a filesystem-clock stamp taken before they were read. Modification
 * times can be put back by anyone; change times only by the kernel, to its own clock.
 *
 * <p>Entries hold what a record gives a listing: its {@link RevisionInfo} and, of its summary, only the last action
 * as the layer reads it ({@link StateDriver.Head#lastAction}); a summary that cannot be read here (a sealed one, which
 * only the encrypting driver above opens) is kept whole, still sealed: the memo holds nothing in clear that the
 * records do not. One line per name, fields separated by tabs;
 * the strings of a {@link RevisionInfo} are {@link io.productivek3s.infra.util.Printable} and hold no tab or newline.
 */
final class HeadsMemo {
    static final String HEADER = "pk3s-heads-memo 1";
    private static final int FIELDS = 26;
    private static final int MAX_BYTES = 64 << 20;
    private static final byte[] NONE = new byte[0];

    /** One name's newest record as last read, with the two identities that must still hold. */
    record Entry(FileIdentity directory, long number, FileIdentity record, long knownBefore, StateDriver.Head head) {
        /** Whether this entry still describes the directory of identity {@code directoryNow}. */
        boolean vouchesForDirectory(FileIdentity directoryNow) {
            return vouches(directory, directoryNow);
        }

        /** Whether this entry still describes the record file of identity {@code recordNow}. */
        boolean vouchesForRecord(FileIdentity recordNow) {
            return vouches(record, recordNow);
        }

        private boolean vouches(FileIdentity recorded, FileIdentity now) {
            return recorded.equals(now) && recorded.ctimeNanos() < knownBefore && recorded.mtimeNanos() < knownBefore;
        }
    }

    private final Map<String, String> lines;
    private final Map<String, Entry> next = new HashMap<>();
    private boolean changed;

    private HeadsMemo(Map<String, String> lines) {
        this.lines = lines;
    }

    /** The memo kept in {@code file}; empty when there is none or it is not one, or {@code file} is null. */
    static HeadsMemo read(Path file) {
        Map<String, String> lines = new HashMap<>();
        if (file == null) {
            return new HeadsMemo(lines);
        }
        String text;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) { // a link is not the memo
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                return new HeadsMemo(lines); // not one this engine wrote (~500 bytes a cluster): never read whole
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException none) {
            return new HeadsMemo(lines);
        }
        int start = text.indexOf('\n');
        if (start < 0 || !text.substring(0, start).equals(HEADER)) {
            return new HeadsMemo(lines);
        }
        start++;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                break; // a line without its newline was not written whole
            }
            int tab = text.indexOf('\t', start);
            if (tab > start && tab < end) {
                lines.put(text.substring(start, tab), text.substring(start, end));
            }
            start = end + 1;
        }
        return new HeadsMemo(lines);
    }

    /**
     * The entry kept for the directory {@code name} when it vouches for that directory as it is now
     * ({@code directoryNow}); the caller then checks the record's identity with {@link Entry#vouchesForRecord}.
     */
    Optional<Entry> vouchedDirectory(String name, FileIdentity directoryNow) {
        String line = lines.get(name);
        if (line == null) {
            return Optional.empty();
        }
        Optional<Entry> entry = decode(line);
        return entry.filter(e -> e.vouchesForDirectory(directoryNow));
    }

    /** Keeps {@code entry} (found vouching) for the next memo. */
    void keep(String name, Entry entry) {
        next.put(name, entry);
    }

    /**
     * Remembers a head read from its record, with the identities read after {@code before} and before the record's
     * content was: kept only when both were recorded strictly before the stamp (otherwise it could not vouch).
     */
    void remember(String name, FileIdentity directory, long number, FileIdentity record, FsClock.Stamp before,
            StateDriver.Head head) {
        changed = true;
        Entry entry = new Entry(directory, number, record, before.boundFor(record.device()), listing(head));
        if (entry.vouchesForDirectory(directory) && entry.vouchesForRecord(record) && encodable(entry.head())) {
            next.put(name, entry);
        }
    }

    /**
     * {@code head} as the memo keeps it: of a summary only its last action, read as the layer reads it
     * ({@link EngineState#lastActionFromJson}), when it can be read; else the summary whole (a sealed one, which only
     * the encrypting driver above opens, or a malformed one, which the layer then refuses again as before).
     */
    private static StateDriver.Head listing(StateDriver.Head head) {
        Optional<EngineState.LastAction> action;
        try {
            action = EngineState.lastActionFromJson(head.summary());
        } catch (IOException | RuntimeException unreadable) {
            return head;
        }
        return new StateDriver.Head(head.info(), NONE, action.orElse(null));
    }

    /** Notes that a name was read again without a vouching entry to keep. */
    void missed() {
        changed = true;
    }

    /**
     * Writes the next memo (the entries kept and remembered by this listing, nothing else) to {@code file}
     * atomically, when it differs from the one read; a failure to write leaves the old one, which is only slower.
     */
    void writeIfChanged(Path file) {
        if (!changed && next.size() == lines.size()) {
            return;
        }
        StringBuilder out = new StringBuilder(256 * next.size() + 32).append(HEADER).append('\n');
        next.forEach((name, entry) -> out.append(encode(name, entry)).append('\n'));
        try {
            Files2.writeAtomically(file, out.toString(), Files2.FILE_PRIVATE);
        } catch (IOException | RuntimeException readOnly) {
            // a cache: the next listing reads the records again
        }
    }

    // ---- one line ------------------------------------------------------------------------------------------

    static String encode(String name, Entry entry) {
        StateDriver.Head head = entry.head();
        RevisionInfo i = head.info();
        EngineState.LastAction a = head.lastAction();
        String summary = a != null ? "A" : head.summary().length == 0 ? "N" : "S";
        return String.join("\t", name, entry.directory().encode(), Long.toString(entry.number()),
                entry.record().encode(), Long.toString(entry.knownBefore()), text(i.name()),
                Long.toString(i.revision()), instant(i.createdAt()), text(i.who()), text(i.command()),
                text(i.result()), number(i.exitCode()), text(i.profileName()), text(i.profileVersion()),
                text(i.packageSha256()), text(i.treeSha256()), Long.toString(i.files()), Long.toString(i.bytes()),
                i.removed() ? "1" : "0", summary,
                a == null ? "-" : text(a.command()),
                a == null || a.result() == null ? "-" : text(a.result().wire()),
                a == null ? "-" : number(a.exitCode()),
                a == null ? "-" : instant(a.startedAt()),
                a == null ? "-" : instant(a.finishedAt()),
                summary.equals("S") ? Base64.getEncoder().encodeToString(head.summary()) : "-");
    }

    /** The entry a line holds; empty for anything that is not one (a cache is never trusted to be well formed). */
    static Optional<Entry> decode(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != FIELDS || !(f[18].equals("0") || f[18].equals("1"))) {
            return Optional.empty();
        }
        try {
            Optional<FileIdentity> directory = FileIdentity.decode(f[1]);
            Optional<FileIdentity> record = FileIdentity.decode(f[3]);
            if (directory.isEmpty() || record.isEmpty()) {
                return Optional.empty();
            }
            RevisionInfo info = new RevisionInfo(string(f[5]), Long.parseLong(f[6]), instant(f[7]),
                    string(f[8]), string(f[9]), string(f[10]), integer(f[11]), string(f[12]), string(f[13]),
                    string(f[14]), string(f[15]), Long.parseLong(f[16]), Long.parseLong(f[17]), f[18].equals("1"));
            StateDriver.Head head = switch (f[19]) {
                case "A" -> new StateDriver.Head(info, NONE, new EngineState.LastAction(string(f[20]),
                        f[21].equals("-") ? null : EngineState.Result.fromWire(string(f[21])), integer(f[22]),
                        instant(f[23]), instant(f[24])));
                case "N" -> new StateDriver.Head(info, NONE, null);
                case "S" -> new StateDriver.Head(info, Base64.getDecoder().decode(f[25]), null);
                default -> null;
            };
            return head == null ? Optional.empty() : Optional.of(new Entry(directory.get(), Long.parseLong(f[2]),
                    record.get(), Long.parseLong(f[4]), head));
        } catch (IOException | RuntimeException malformed) {
            return Optional.empty();
        }
    }

    private static String number(Integer value) {
        return value == null ? "-" : value.toString();
    }

    private static Integer integer(String field) {
        return field.equals("-") ? null : Integer.valueOf(field);
    }

    /** An instant as its epoch second and nanosecond ({@code 1796676466:451516638}), "-" for null. */
    private static String instant(Instant value) {
        return value == null ? "-" : value.getEpochSecond() + ":" + value.getNano();
    }

    private static Instant instant(String field) {
        if (field.equals("-")) {
            return null;
        }
        int colon = field.indexOf(':');
        int nano = Integer.parseInt(field, colon + 1, field.length(), 10);
        if (nano < 0 || nano > 999_999_999) {
            throw new IllegalArgumentException("not a nanosecond: " + field);
        }
        return Instant.ofEpochSecond(Long.parseLong(field, 0, colon, 10), nano);
    }

    /** Null as "-", a value as "=" and the value. */
    private static String text(String value) {
        return value == null ? "-" : "=" + value;
    }

    private static String string(String field) {
        if (field.equals("-")) {
            return null;
        }
        if (!field.startsWith("=")) {
            throw new IllegalArgumentException("not a memo string: " + field);
        }
        return field.substring(1);
    }

    /**
     * Whether every string of {@code head} fits in a field: always for a {@link RevisionInfo}'s (see the class); a
     * last action's command is the summary's own text, which may hold anything.
     */
    private static boolean encodable(StateDriver.Head head) {
        RevisionInfo i = head.info();
        String command = head.lastAction() == null ? null : head.lastAction().command();
        for (String s : new String[] {i.name(), i.who(), i.command(), i.result(), i.profileName(), i.profileVersion(),
                i.packageSha256(), i.treeSha256(), command}) {
            if (s != null && (s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0)) {
                return false;
            }
        }
        return true;
    }
}
