package io.productivek3s.infra.state;

import java.time.Instant;

/**
 * One cluster (state name) as {@code state list} and {@code profile list} show it: its package, the last action,
 * its result and when, the current revision, and who holds its lock right now (null: nobody).
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
}
