package io.productivek3s.infra.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Decides whether a well-formed commit journal is one a run of this engine left, before recovery acts on it (#17).
 * The journal is written once the revision is committed to the driver, so a crash leaves a journal whose revision
 * the driver keeps and whose staged tree (or, later in the roll-forward, its published result) is still there;
 * anything else is not rolled forward. A removal is the only roll-forward that deletes state, so it needs its own
 * removal revision: without one it is {@link Verdict#STALE} (set aside, the state kept). A persist naming nothing
 * that exists is {@link Verdict#FOREIGN} (refused until a human looks). See docs/state.md "Journals that cannot be
 * rolled forward".
 */
final class JournalTriage {
    enum Verdict { ROLL_FORWARD, STALE, FOREIGN }

    /** What to do with a journal, and why (a clause completing "commit journal &lt;file&gt; …"). */
    record Decision(Verdict verdict, String reason) {
        static final Decision ROLL = new Decision(Verdict.ROLL_FORWARD, "");
    }

    /** The revisions the journal is judged against: the driver's (empty: a mirror whose journals carry none). */
    interface Records {
        /** The newest revision of {@code name}, a removal included. */
        Optional<RevisionInfo> latest(String name) throws IOException;

        /** Whether revision {@code revision} of {@code name} is kept. */
        Optional<RevisionInfo> revision(String name, long revision) throws IOException;
    }

    private final Optional<Records> records;

    /** {@code records}: empty for a shared backend's mirror, whose journals name no revision (revision 0). */
    JournalTriage(Optional<Records> records) {
        this.records = records;
    }

    /** {@code stagedTree}: where the entry's transaction staged the new runtime tree of a persist. */
    Decision decide(String name, CommitJournal.Entry entry, Path stagedTree) throws IOException {
        if (records.isEmpty()) {
            // A mirror's journal follows a revision its shared backend already committed: rolling it forward only
            // moves what its own transaction staged, and its removal follows a removal the backend recorded.
            return Decision.ROLL;
        }
        return entry.op() == CommitJournal.Op.PERSIST ? persist(name, entry, stagedTree, records.get())
                : removal(name, entry, records.get());
    }

    /**
     * A persist is decided when the driver keeps its revision (not a removal) and its staged tree is there, or its
     * revision is the newest (the crash came later in the roll-forward).
     */
    private static Decision persist(String name, CommitJournal.Entry entry, Path stagedTree, Records records)
            throws IOException {
        long revision = entry.revision();
        Optional<RevisionInfo> latest = records.latest(name);
        Optional<RevisionInfo> named = revision == 0 ? Optional.empty() : records.revision(name, revision);
        if (named.isPresent() && !named.get().removed()) {
            if (Files.exists(stagedTree, LinkOption.NOFOLLOW_LINKS)
                    || latest.map(RevisionInfo::revision).orElse(-1L) == revision) {
                return Decision.ROLL;
            }
            return new Decision(Verdict.FOREIGN, "names revision " + revision + " of transaction " + entry.txn()
                    + ", but its staged tree " + stagedTree + " is missing");
        }
        return new Decision(Verdict.FOREIGN, "names revision " + revision + " of transaction " + entry.txn()
                + ", which is neither staged nor the current revision (" + describe(latest) + ")");
    }

    /** A removal is rolled forward only when its revision is the newest and a removal. */
    private static Decision removal(String name, CommitJournal.Entry entry, Records records) throws IOException {
        long revision = entry.revision();
        if (revision == 0) {
            return new Decision(Verdict.STALE, "names no removal revision, so no history entry would record the "
                    + "removal");
        }
        Optional<RevisionInfo> latest = records.latest(name);
        long current = latest.map(RevisionInfo::revision).orElse(0L);
        if (current == revision && latest.get().removed()) {
            return Decision.ROLL;
        }
        return current > revision ? new Decision(Verdict.STALE, "is older than the current revision " + current)
                : new Decision(Verdict.STALE, "has no removal record of revision " + revision);
    }

    private static String describe(Optional<RevisionInfo> latest) {
        return latest.map(r -> "revision " + r.revision() + (r.removed() ? ", a removal" : "")).orElse("none");
    }
}
