package io.productivek3s.infra.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a well-formed commit journal is one a run of this store left, before recovery acts on it (#17).
 * A crash leaves a journal whose staged items, or their published results, are still there; anything else is not
 * rolled forward. A removal is the only roll-forward that deletes state, so it needs its own removal record: without
 * one it is {@link Verdict#STALE} (set aside, the state kept). A persist naming nothing that exists is
 * {@link Verdict#FOREIGN} (refused until a human looks). See docs/state.md "Journals that cannot be rolled forward".
 */
final class JournalTriage {
    enum Verdict { ROLL_FORWARD, STALE, FOREIGN }

    /** What to do with a journal, and why (a clause completing "commit journal &lt;file&gt; …"). */
    record Decision(Verdict verdict, String reason) {
        static final Decision ROLL = new Decision(Verdict.ROLL_FORWARD, "");
    }

    private final LocalHistory history;
    private final boolean keepsHistory;

    JournalTriage(LocalHistory history, boolean keepsHistory) {
        this.history = history;
        this.keepsHistory = keepsHistory;
    }

    /** {@code stagedTree}: where the entry's transaction staged the new runtime tree of a persist. */
    Decision decide(String name, CommitJournal.Entry entry, Path stagedTree) throws IOException {
        return entry.op() == CommitJournal.Op.PERSIST ? persist(name, entry, stagedTree) : removal(name, entry);
    }

    /**
     * A persist is decided when its record is staged with its tree, or already published as the latest revision
     * (the crash came later in the roll-forward). A mirror's persist (revision 0) has no record: rolling it forward
     * only moves what its transaction staged, so it is always safe.
     */
    private Decision persist(String name, CommitJournal.Entry entry, Path stagedTree) throws IOException {
        long revision = entry.revision();
        if (revision == 0) {
            return Decision.ROLL;
        }
        if (history.isStaged(name, revision, entry.txn())) {
            return exists(stagedTree) ? Decision.ROLL : new Decision(Verdict.FOREIGN, "names revision " + revision
                    + " staged by transaction " + entry.txn() + ", but its staged tree " + stagedTree + " is missing");
        }
        Optional<RevisionRecord> latest = history.latest(name);
        if (latest.isPresent() && latest.get().info().revision() == revision && !latest.get().info().removed()) {
            return Decision.ROLL;
        }
        return new Decision(Verdict.FOREIGN, "names revision " + revision + " of transaction " + entry.txn()
                + ", which is neither staged nor the current revision (" + describe(latest) + ")");
    }

    /**
     * A removal is rolled forward only with its own removal record: staged by its transaction for a revision past
     * the current one, or already published as the current revision. A mirror's removal (revision 0) follows a
     * removal its shared backend recorded, and the mirror is a copy of that backend, so it is rolled forward too.
     */
    private Decision removal(String name, CommitJournal.Entry entry) throws IOException {
        long revision = entry.revision();
        if (revision == 0) {
            return keepsHistory ? new Decision(Verdict.STALE, "names no removal revision, so no history entry would "
                    + "record the removal") : Decision.ROLL;
        }
        List<Long> numbers = history.numbers(name);
        long current = numbers.isEmpty() ? 0 : numbers.get(numbers.size() - 1);
        Optional<RevisionRecord> staged = history.staged(name, revision, entry.txn());
        if (staged.isPresent()) {
            RevisionInfo info = staged.get().info();
            if (!info.removed() || !info.name().equals(name) || info.revision() != revision) {
                return new Decision(Verdict.STALE, "has no removal record: " + revision + ".staged-" + entry.txn()
                        + " is not the removal of '" + name + "' as revision " + revision);
            }
            return revision > current ? Decision.ROLL : olderThan(current);
        }
        if (current == revision && history.read(name, revision).map(r -> r.info().removed()).orElse(false)) {
            return Decision.ROLL;
        }
        return current > revision ? olderThan(current)
                : new Decision(Verdict.STALE, "has no removal record of revision " + revision);
    }

    private static Decision olderThan(long current) {
        return new Decision(Verdict.STALE, "is older than the current revision " + current);
    }

    private static String describe(Optional<RevisionRecord> latest) {
        return latest.map(r -> "revision " + r.info().revision() + (r.info().removed() ? ", a removal" : ""))
                .orElse("none");
    }

    private static boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }
}
