package io.productivek3s.infra.pkg;

import java.util.List;

/**
 * The {@code compatibility} block (docs/contract/package.md#compatibility-gate). Every field is null when absent; versions that are present
 * have been checked to be {@code X.Y.Z} and each window to be non-empty.
 */
public record CompatibilitySpec(String contract, String minEngineVersion, String maxEngineVersionExclusive,
                                String coreMinVersion, String coreMaxVersionExclusive,
                                List<TestedWith> testedWith) {
    public static final String PROFILE_V1 = "profile/v1";

    public CompatibilitySpec {
        testedWith = List.copyOf(testedWith);
    }
}
