package io.productivek3s.infra.env;

/**
 * Vetoes assignments while a file is evaluated, e.g. structural keys in an override file (docs/contract/env-files.md#values-the-files-cannot-change). A rejected
 * assignment never enters the scope, so later references in the same or following files do not see it.
 */
@FunctionalInterface
public interface AssignmentGuard {
    /** Returns false to drop the assignment; the guard reports its own warning if one is due. */
    boolean allow(String name, String value, Origin origin);
}
