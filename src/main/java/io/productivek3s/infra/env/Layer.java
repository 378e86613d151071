package io.productivek3s.infra.env;

import java.util.Locale;

/** Where a value comes from (docs/contract/env-files.md#lookup-and-precedence); later layers win over earlier ones. */
public enum Layer {
    PROCESS,
    RELEASE,
    PACKAGE,
    OVERRIDE,
    SOURCE;

    /** Lower-case word used in provenance texts, e.g. {@code override}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
