package io.productivek3s.infra.state.driver;

import java.io.IOException;

/**
 * {@link StateDriver#append} refused: another writer appended first ({@link Kind#RACE}) or the writer's lease no
 * longer holds ({@link Kind#FENCED}). The layer turns it into the documented message and exit code; nothing was
 * written.
 */
public final class StateConflict extends IOException {
    /** Why the append was refused. */
    public enum Kind { RACE, FENCED }

    private final Kind kind;

    public StateConflict(Kind kind, String detail) {
        super(detail);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
