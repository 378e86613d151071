package io.productivek3s.infra.sign;

import io.productivek3s.infra.EngineException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code PK3S_SIGNATURE_POLICY} (docs/signing.md "Policy"): {@code off} checks nothing; {@code auto} (the default,
 * so unsigned packages keep working as with the bash engine) refuses a signature that fails and lets an unsigned or
 * unchecked file run with one INFO line; {@code require} also refuses unsigned and unchecked files.
 */
public enum SignaturePolicy {
    OFF, AUTO, REQUIRE;

    public static final String VARIABLE = "PK3S_SIGNATURE_POLICY";

    /** Proceed (with an optional INFO line) or refuse with one line, exit 4. */
    public record Decision(boolean proceed, String line) {
        /** Refuses with exit 4 when the decision is to stop; returns the INFO line (maybe empty) otherwise. */
        public String enforce() {
            if (!proceed) {
                throw EngineException.invalid(line);
            }
            return line;
        }
    }

    /** Exit 4 for a value that is none of off, auto, require: a typo must not weaken the check silently. */
    public static SignaturePolicy fromEnv(Map<String, String> env) {
        String value = env.getOrDefault(VARIABLE, "").strip();
        if (value.isEmpty()) {
            return AUTO;
        }
        return parse(value.toLowerCase(Locale.ROOT)).orElseThrow(() -> EngineException.invalid(VARIABLE + "=" + value
                + " is not one of off, auto, require"));
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public Decision decide(Verdict verdict) {
        String subject = verdict.subject();
        return switch (verdict.status()) {
            case OFF -> new Decision(true, "");
            case GOOD -> new Decision(true, "signature of " + subject + " verified: signed by " + verdict.signer().orElse("?")
                    + " (" + verdict.keyShown() + ", namespace "
                    + verdict.namespace() + (verdict.source().map(s -> ", " + s).orElse("")) + ")");
            case UNSIGNED -> this == REQUIRE
                    ? new Decision(false, subject + " is not signed and " + VARIABLE + "=require: " + verdict.detail())
                    // without a trust file nobody asked who signs: as quiet as the bash engine
                    : new Decision(true, verdict.trustFile().isEmpty() ? ""
                            : subject + " is not signed; running it unverified (" + verdict.detail() + ")");
            case UNCHECKED -> this == REQUIRE
                    ? new Decision(false, "signature of " + subject + " cannot be checked and " + VARIABLE + "=require: "
                            + verdict.detail())
                    : new Decision(true, "signature of " + subject + " not checked: " + verdict.detail());
            default -> new Decision(false, "signature check failed for " + subject + ": " + verdict.detail());
        };
    }

    static Optional<SignaturePolicy> parse(String word) {
        for (SignaturePolicy policy : values()) {
            if (policy.word().equals(word)) {
                return Optional.of(policy);
            }
        }
        return Optional.empty();
    }
}
