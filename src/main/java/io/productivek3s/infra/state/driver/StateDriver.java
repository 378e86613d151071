package io.productivek3s.infra.state.driver;

import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.RevisionInfo;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What a state backend must do, and nothing more: move bytes (docs/state.md "State layer and drivers"). Every policy
 * — revision numbering, verification of objects and trees, the commit journal, errored copies, history limits, the
 * local mirror {@code pk3s} reads, the error messages — lives once in {@code state.StateLayer} above it.
 *
 * <p>Three kinds of data:
 * <ul>
 * <li><b>Objects</b>: file contents keyed by the sha256 of their plain content, always addressed together with the
 *     cluster name they are stored for. A driver may share one stored object between names; a decorator (encryption)
 *     may bind an object to its name. A driver stores exactly the bytes it is given and returns exactly those: it
 *     need not check them against the digest (the layer does on read, and its sources check themselves while they
 *     are read).</li>
 * <li><b>Revision records</b>: plain metadata ({@link RevisionInfo}, which lists and histories show) plus two opaque
 *     byte arrays the driver never interprets: a small {@code summary} (the revision's {@code engine-state.json}) that
 *     {@link #heads()} returns for listing, and a {@code payload} (tree manifest, {@code cluster.json}) returned only
 *     by {@link #read}. Records are appended with compare-and-set on the latest revision number and checked against a
 *     fence (the writer's lease) in the same atomic step.</li>
 * <li><b>Settings</b> ({@link Settings}): a few small values per backend, written once (e.g. an encryption salt).</li>
 * </ul>
 * Locks are the {@link StateLocker}'s business ({@link #locker()}).
 *
 * <p>Errors: an {@link IOException} or an {@code EngineException} carrying the backend's exit code (unreachable 5,
 * refused 4). A driver never produces the layer's user-facing messages about names and revisions; it answers
 * "absent" with an empty {@link Optional} and lets the layer say so.
 */
public interface StateDriver extends Settings, AutoCloseable {
    /** How messages name the backend: a directory, {@code postgresql://user@host:port/db} (never a password), … */
    String description();

    // ---- objects -------------------------------------------------------------------------------------------

    /** The digests among {@code sha256s} that are not stored for {@code name}. */
    Set<String> missing(String name, Collection<String> sha256s) throws IOException;

    /**
     * Stores the bytes of {@code source} (exactly {@code size} of them) as object {@code sha256} of {@code name}.
     * Returns the number of bytes sent to the backend (0 when it already held the object). When the source's stream
     * fails (for instance because its content turned out not to have that digest), nothing is stored under
     * {@code sha256}.
     */
    long put(String name, String sha256, long size, ObjectSource source) throws IOException;

    /** The stored bytes of object {@code sha256} of {@code name}; an {@link IOException} when it is not stored. */
    InputStream open(String name, String sha256) throws IOException;

    // Opaque objects (docs/state.md "State layer and drivers"): bytes a decorator stores under an address that is
    // not their sha256 (encryption: sealed bytes under a keyed address). Their reader authenticates them; the driver
    // cannot check them against their address and need not try. The three calls below answer exactly what missing,
    // put and open answer for the same address (addresses are one namespace: append's object set, prune and a later
    // open see an opaque object like any other); they only tell the driver what it may skip. The defaults are those
    // calls, right for a driver that keeps every object in one keyed store (memory, PostgreSQL); the local driver
    // keeps opaque objects in a tree of their own and looks only there.

    /** {@link #missing} for addresses the caller stored (or would store) with {@link #putOpaque}. */
    default Set<String> missingOpaque(String name, Collection<String> addresses) throws IOException {
        return missing(name, addresses);
    }

    /**
     * {@link #put} of bytes that are not content-addressed: the driver stores exactly {@code size} bytes of
     * {@code source} under {@code address} without computing their digest. As with put, a failing source stores
     * nothing.
     */
    default long putOpaque(String name, String address, long size, ObjectSource source) throws IOException {
        return put(name, address, size, source);
    }

    /** {@link #open} of an object stored with {@link #putOpaque}; an {@link IOException} when it is not stored. */
    default InputStream openOpaque(String name, String address) throws IOException {
        return open(name, address);
    }

    // ---- revision records ----------------------------------------------------------------------------------

    /**
     * The newest revision of every name that has one, a removal included, sorted by name, with its summary: one
     * call for {@code state list} whatever the number of clusters. Names a driver holds that are not valid cluster
     * names are returned too; the layer decides what to do with them.
     */
    List<Head> heads() throws IOException;

    /** The newest revision of {@code name}, if it has any (a removal included). */
    Optional<RevisionInfo> latest(String name) throws IOException;

    /** Every kept revision of {@code name}, oldest first: metadata only, never a payload. */
    List<RevisionInfo> history(String name) throws IOException;

    /** One revision with its summary and payload; empty when it is not kept. */
    Optional<StoredRevision> read(String name, long revision) throws IOException;

    /**
     * Appends {@code revision} as the newest of {@code name} in one atomic step, if and only if the newest revision
     * is still {@code expectedLatest} (empty: {@code name} has none; revision 0 exists for state written before
     * history) and {@code fence} still holds the name's lock (a
     * {@link StateLocker.Lease}; {@link Fence#NONE}: only when nobody holds it). {@code objects} are the digests the
     * revision's tree references (plain, so that pruning never reads a payload); they are stored already. A
     * {@code revision.info().revision()} not greater than {@code expectedLatest} is a programming error.
     *
     * @throws StateConflict when another writer appended first or the fence no longer holds
     */
    void append(String name, OptionalLong expectedLatest, StoredRevision revision, Set<String> objects, Fence fence)
            throws IOException;

    /**
     * Rewrites the kept record of revision {@code revision.info().revision()} of {@code name} in one atomic step, for
     * re-encryption (state rekey, state migrate --encrypt|--decrypt): same number and metadata, new summary, payload
     * and referenced objects (stored already). Fenced like append. An IOException/NoSuchElement-style refusal when the
     * revision is not kept. Objects only the old record referenced are collected by the next prune (prune with an
     * empty collection only collects).
     *
     * <p>Precisely (docs/state.md "Mixed state, rotation, migration"): the record keeps its number and its
     * {@link RevisionInfo} as stored (a driver ignores any other metadata given), and whether it is the newest or
     * the current revision does not change; {@code objects} replace the digests the old record referenced. A crash
     * leaves either the old record or the new one, never a mix.
     *
     * @throws StateConflict with {@link StateConflict.Kind#FENCED} when {@code fence} no longer holds the name's lock
     *     (nothing changed)
     * @throws IOException (not a {@link StateConflict}) when {@code name} keeps no revision of that number (nothing
     *     changed)
     */
    void replace(String name, StoredRevision revision, Set<String> objects, Fence fence) throws IOException;

    /**
     * Forgets the revisions {@code revisions} of {@code name} (the layer's history limit decided which) and the
     * objects no kept revision of any name references any more; with an empty {@code revisions} it only collects
     * such objects (after {@link #replace}). Readers of those revisions may fail afterwards; a
     * driver that cannot lose an object under a running reader waits for it (the local driver's object lock).
     */
    void prune(String name, Collection<Long> revisions) throws IOException;

    /**
     * Holds off garbage collection while the caller reads revisions of {@code name} and their objects (pull,
     * restore, rollback; docs/state.md "Garbage collection never races a reader"): until the hold is closed,
     * {@link #prune} forgets no record and deletes no object, in this process or another one; it waits. Holds are
     * shared (any number of readers at once) and are not taken while the same thread appends or prunes. The default
     * holds nothing, for a driver whose pruning cannot lose what a running reader reads.
     */
    default Hold reading(String name) throws IOException {
        return Hold.NONE;
    }

    /** A {@link #reading} hold; closing it twice is harmless. */
    interface Hold extends AutoCloseable {
        /** Holds nothing. */
        Hold NONE = () -> { };

        @Override
        void close();
    }

    // ---- locks ---------------------------------------------------------------------------------------------

    /** The locks of this backend's names. */
    StateLocker locker();

    /** Releases connections and files; a closed driver is not used again. */
    @Override
    default void close() throws IOException {
    }

    /**
     * The newest revision of one name and its summary, for listing. {@code lastAction} is the summary's last action
     * when the driver has read it already (the local driver's heads memo, docs/state.md "Heads memo"), and then
     * {@code summary} may be empty; null when the layer reads it from {@code summary}.
     */
    record Head(RevisionInfo info, byte[] summary, EngineState.LastAction lastAction) {
        /** A head whose summary the layer reads. */
        public Head(RevisionInfo info, byte[] summary) {
            this(info, summary, null);
        }
    }
}
