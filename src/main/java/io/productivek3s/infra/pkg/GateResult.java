package io.productivek3s.infra.pkg;

import java.util.List;

/**
 * Outcome of the compatibility gate. {@code violations} are docs/contract/output.md#contract-validation-binding-exit-4 texts the caller turns into an exit-4 ERROR
 * (install/apply/plan) or WARN lines (validate/status/destroy); {@code warnings} are always WARN lines.
 */
public record GateResult(List<String> violations, List<String> warnings) {
    public GateResult {
        violations = List.copyOf(violations);
        warnings = List.copyOf(warnings);
    }

    public boolean passed() {
        return violations.isEmpty();
    }
}
