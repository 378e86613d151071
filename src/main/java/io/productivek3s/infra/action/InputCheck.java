package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.env.EnvFile;
import io.productivek3s.infra.pkg.InputSource;
import io.productivek3s.infra.pkg.ProfileInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Required-input rules of docs/contract/env-files.md#rules: a {@code local-override} input must be assigned by the override file
 * itself; {@code package-default}/{@code either} inputs need a non-blank effective value. Every missing name of a
 * group is reported at once, override group first.
 */
public final class InputCheck {
    private InputCheck() {
    }

    public static void check(List<ProfileInput> inputs, Optional<EnvFile> override, Function<String, Optional<String>> effective) {
        check(inputs, override, effective, "");
    }

    /** As above; {@code overrideHint} ends the missing-override message (why a recorded file was not reused). */
    public static void check(List<ProfileInput> inputs, Optional<EnvFile> override, Function<String, Optional<String>> effective,
            String overrideHint) {
        List<String> missingOverride = new ArrayList<>();
        List<String> missingDefault = new ArrayList<>();
        for (ProfileInput input : inputs) {
            if (!input.required()) {
                continue;
            }
            if (input.source() == InputSource.LOCAL_OVERRIDE) {
                if (override.isEmpty() || !override.get().assignsNonBlank(input.name())) {
                    missingOverride.add(input.name());
                }
            } else if (effective.apply(input.name()).map(String::isBlank).orElse(true)) {
                missingDefault.add(input.name());
            }
        }
        if (!missingOverride.isEmpty()) {
            throw EngineException.invalid("required packaged profile inputs must be provided through --env-file: " + String.join(" ", missingOverride)
                    + overrideHint);
        }
        if (!missingDefault.isEmpty()) {
            throw EngineException.invalid("required packaged profile inputs are missing from package defaults or local overrides: " + String.join(" ", missingDefault));
        }
    }
}
