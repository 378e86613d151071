package io.productivek3s.infra.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExtractionLimitsTest {
    @Test
    void defaultsWhenUnset() {
        assertThat(ExtractionLimits.fromEnv(Map.of())).isEqualTo(new ExtractionLimits(1073741824L, 50000L));
    }

    @Test
    void readsBothVariables() {
        assertThat(ExtractionLimits.fromEnv(Map.of(
                "PK3S_INFRA_MAX_PACKAGE_BYTES", "2048", "PK3S_INFRA_MAX_PACKAGE_ENTRIES", " 10 ")))
                .isEqualTo(new ExtractionLimits(2048, 10));
    }

    @Test
    void invalidValuesFallBackToDefaults() {
        for (String bad : new String[] {"", "0", "-5", "1e6", "12MB", "99999999999999999999", "abc"}) {
            assertThat(ExtractionLimits.fromEnv(Map.of(
                    "PK3S_INFRA_MAX_PACKAGE_BYTES", bad, "PK3S_INFRA_MAX_PACKAGE_ENTRIES", bad)))
                    .as(bad).isEqualTo(ExtractionLimits.defaults());
        }
    }
}
