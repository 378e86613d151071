package io.productivek3s.infra.source;

import io.productivek3s.infra.scenario.Scenario;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A source profile that passed the contract check (docs/contract/source.md#source-profile-contract).
 *
 * @param displayPath   the {@code --profile} value as given (messages, events, subject refs)
 * @param file          the resolved file
 * @param values        the profile's own assignments after evaluation (file order), bound Core values re-imposed
 * @param name          {@code PK3S_INFRA_PROFILE_NAME}
 * @param engine        {@code PK3S_INFRA_ENGINE}
 * @param scenario      the resolved scenario (built-in table or data-driven keys)
 * @param installScript {@code PK3S_INFRA_INSTALL_SCRIPT} normalized, or {@code scripts/install.sh}
 * @param sidecar       the {@code .package.yaml} beside the profile, when there is one
 */
public record SourceProfile(String displayPath, Path file, Map<String, String> values, String name, String engine,
                            Scenario scenario, String installScript, Optional<Sidecar> sidecar) {
    public SourceProfile {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The user's own telemetry choice: the profile is user-authored, so its value counts as explicit (docs/telemetry.md#who-decides). */
    public Optional<String> telemetryChoice() {
        return Optional.ofNullable(values.get("TELEMETRY_ENABLED"));
    }
}
