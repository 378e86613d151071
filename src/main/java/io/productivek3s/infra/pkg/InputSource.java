package io.productivek3s.infra.pkg;

import java.util.Arrays;
import java.util.Optional;

/** Where a declared input may get its value from (docs/contract/package.md#inputs, docs/contract/env-files.md#required-inputs). */
public enum InputSource {
    EITHER("either"),
    PACKAGE_DEFAULT("package-default"),
    LOCAL_OVERRIDE("local-override");

    private final String wireName;

    InputSource(String wireName) {
        this.wireName = wireName;
    }

    /** The spelling used in {@code profile.yaml}. */
    public String wireName() {
        return wireName;
    }

    /** Exact, case-sensitive match on the {@code profile.yaml} spelling. */
    public static Optional<InputSource> fromWire(String text) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(text)).findFirst();
    }
}
