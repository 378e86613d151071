package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The error table of docs/state.md "Errors": the one message and exit code every backend gives for the same input.
 * Backends build their errors here and nowhere else, so the table and the code cannot drift apart; the contract
 * suite checks each row on every driver.
 */
public final class StateErrors {
    private StateErrors() {
    }

    /** {@code pull}/{@code rollback} of a name without state (never written, or removed) in {@code backend}: exit 3. */
    public static EngineException noState(String name, String backend) {
        return EngineException.missing("no profile state for '" + name + "' in " + backend);
    }

    /** A revision the name does not have (never written, or pruned): exit 3. */
    public static EngineException noRevision(String name, long revision, String backend) {
        return EngineException.missing("profile state '" + name + "' has no revision " + revision + " in " + backend);
    }

    /**
     * Rollback to revision 0 (the state an engine before history left, which no run recorded; it can be pulled but
     * not made current again): exit 3.
     */
    public static EngineException noRollbackToZero(String name) {
        return EngineException.missing("revision 0 of profile state '" + name + "' is the state from before history was"
                + " kept; it cannot be rolled back to ('state history " + name + "' lists the revisions that can)");
    }

    /** {@code pull} or {@code rollback} of a removal revision, which has no tree: exit 3. */
    public static EngineException removal(String name, long revision, String doing) {
        return EngineException.missing("revision " + revision + " of profile state '" + name + "' is its removal; it"
                + " has no state to " + doing);
    }

    /** {@code importRevision} of a number that exists with another tree: exit 4, nothing overwritten. */
    public static EngineException importConflict(String name, long revision, String backend) {
        return EngineException.invalid("revision " + revision + " of profile state '" + name + "' already exists in "
                + backend + " with another tree");
    }

    /** {@code importRevision} of a number older than the newest one: exit 4. */
    public static EngineException importTooOld(String name, long revision, long current, String backend) {
        return EngineException.invalid("revision " + revision + " of profile state '" + name + "' is older than the"
                + " current revision " + current + " in " + backend);
    }

    /** An imported tree that is not the one its record names: exit 4. */
    public static EngineException importDigest(String name, long revision, String digest) {
        return EngineException.invalid("the tree pulled for revision " + revision + " of '" + name
                + "' does not match its digest " + digest);
    }

    /** The name's lock is held by another run ({@code where}: the lock file, or the backend): exit 4. */
    public static EngineException locked(String name, String where, Optional<LockHolder> holder) {
        return EngineException.invalid("profile state for '" + name + "' is locked by another run: " + where
                + holder.map(h -> "; held by " + h.describe()).orElse(""));
    }

    /** The writer's lease was broken or taken over before its revision was committed: exit 4. */
    public static EngineException leaseLost(String name, String backend) {
        return EngineException.invalid("the lock on profile state for '" + name + "' at " + backend
                + " expired or was broken while this run held it; no revision was written");
    }

    /** Another writer (without the lock) committed a revision of the name first: exit 4. */
    public static EngineException raced(String name, String backend) {
        return EngineException.invalid("profile state for '" + name + "' at " + backend + " was changed by another"
                + " run while this run wrote it; no revision was written");
    }

    /**
     * A symbolic link inside the state directory's own layout (the local history, docs/state.md "Local backend"):
     * writing through it could put state outside the state directory, and collecting through it delete files there,
     * so nothing goes through it: exit 4.
     */
    public static EngineException linkInState(Path link) {
        String target;
        try {
            target = " (to " + Files.readSymbolicLink(link) + ")";
        } catch (IOException | UnsupportedOperationException gone) {
            target = "";
        }
        return EngineException.invalid("refusing to write profile state through " + link + ": it is a symbolic link"
                + target + ", and the engine never follows links inside its state directory: move it away and run"
                + " the command again");
    }
}
