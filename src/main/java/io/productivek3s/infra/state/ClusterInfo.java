package io.productivek3s.infra.state;

import io.productivek3s.infra.util.Printable;
import java.time.Instant;

/**
 * One cluster (state name) as {@code state list} and {@code profile list} show it: its package, the last action,
 * its result and when, the current revision, and who holds its lock right now (null: nobody). Its strings may come
 * from a shared database: they are made {@link Printable} here.
 */
public record ClusterInfo(
        String name,
        String profile,
        String version,
        String lastAction,
        String result,
        Instant when,
        long revision,
        LockHolder lockedBy) {
    public ClusterInfo {
        name = Printable.clean(name);
        profile = Printable.clean(profile);
        version = Printable.clean(version);
        lastAction = Printable.clean(lastAction);
        result = Printable.clean(result);
    }
}
