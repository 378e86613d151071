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
        try {
            Cursor f = new Cursor(line);
            f.skip(); // the name: the key it was found under
            FileIdentity directory = f.identity();
            long number = f.number();
            FileIdentity record = f.identity();
            long knownBefore = f.number();
            RevisionInfo info = new RevisionInfo(f.string(), f.number(), f.instant(), f.string(), f.string(),
                    f.string(), f.integer(), f.string(), f.string(), f.string(), f.string(), f.number(), f.number(),
                    f.flag());
            String kind = f.field();
            StateDriver.Head head;
            if (kind.equals("A")) {
                String command = f.string();
                String result = f.string();
                head = new StateDriver.Head(info, NONE, new EngineState.LastAction(command,
                        result == null ? null : EngineState.Result.fromWire(result), f.integer(), f.instant(),
                        f.instant()));
                f.skip();
            } else if (kind.equals("N") || kind.equals("S")) {
                for (int i = 0; i < 5; i++) {
                    f.skip();
                }
                String summary = f.field();
                head = new StateDriver.Head(info, kind.equals("N") ? NONE : Base64.getDecoder().decode(summary), null);
            } else {
                return Optional.empty();
            }
            f.done();
            return Optional.of(new Entry(directory, number, record, knownBefore, head));
        } catch (IOException | RuntimeException malformed) {
            return Optional.empty();
        }
    }

    /**
     * Reads a line's tab-separated fields in place (numbers without a substring each): a listing decodes one line
     * per cluster (docs/performance.md "Local `state list` at 1,000 clusters").
     */
    private static final class Cursor {
        private final String line;
        private int at;

        Cursor(String line) {
            this.line = line;
        }

        /** The end of the field at {@link #at}; throws past the last one. */
        private int end() {
            if (at > line.length()) {
                throw new IllegalArgumentException("a memo line with too few fields");
            }
            int tab = line.indexOf('\t', at);
            return tab < 0 ? line.length() : tab;
        }

        String field() {
            int end = end();
            String value = line.substring(at, end);
            at = end + 1;
            return value;
        }

        void skip() {
            at = end() + 1;
        }

        long number() {
            int end = end();
            long value = Long.parseLong(line, at, end, 10);
            at = end + 1;
            return value;
        }

        boolean dash() {
            return line.startsWith("-\t", at) || at == line.length() - 1 && line.charAt(at) == '-';
        }

        Integer integer() {
            if (dash()) {
                skip();
                return null;
            }
            return Math.toIntExact(number());
        }

        boolean flag() {
            long value = number();
            if (value != 0 && value != 1) {
                throw new IllegalArgumentException("not a flag: " + value);
            }
            return value == 1;
        }

        /** Null as "-", a value as "=" and the value. */
        String string() {
            if (dash()) {
                skip();
                return null;
            }
            if (at >= line.length() || line.charAt(at) != '=') {
                throw new IllegalArgumentException("not a memo string");
            }
            at++;
            return field();
        }

        /** {@code <epoch second>:<nanosecond>}, or "-". */
        Instant instant() {
            if (dash()) {
                skip();
                return null;
            }
            int end = end();
            int colon = line.indexOf(':', at);
            if (colon < 0 || colon > end) {
                throw new IllegalArgumentException("not an instant");
            }
            long seconds = Long.parseLong(line, at, colon, 10);
            int nano = Integer.parseInt(line, colon + 1, end, 10);
            if (nano < 0 || nano > 999_999_999) {
                throw new IllegalArgumentException("not a nanosecond: " + nano);
            }
            at = end + 1;
            return Instant.ofEpochSecond(seconds, nano);
        }

        /** Six numbers separated by spaces, as {@link FileIdentity#encode()} writes them. */
        FileIdentity identity() {
            int end = end();
            long[] n = new long[6];
            for (int k = 0; k < 6; k++) {
                int stop = k < 5 ? line.indexOf(' ', at) : end;
                if (stop < 0 || stop > end) {
                    throw new IllegalArgumentException("not an identity");
                }
                n[k] = Long.parseLong(line, at, stop, 10);
                at = stop + 1;
            }
            return new FileIdentity(n[0], n[1], n[2], n[3], n[4], Math.toIntExact(n[5]));
        }

        /** Throws unless every field was read. */
        void done() {
            if (at != line.length() + 1) {
                throw new IllegalArgumentException("a memo line with too many fields");
            }
        }
    }

    private static String number(Integer value) {
        return value == null ? "-" : value.toString();
    }


    /** An instant as its epoch second and nanosecond ({@code 1796676466:451516638}), "-" for null. */
    private static String instant(Instant value) {
        return value == null ? "-" : value.getEpochSecond() + ":" + value.getNano();
    }


    /** Null as "-", a value as "=" and the value. */
    private static String text(String value) {
        return value == null ? "-" : "=" + value;
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
