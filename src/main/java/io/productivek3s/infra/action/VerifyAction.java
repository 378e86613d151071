package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.sign.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code profile verify --tgz F [--signature S]} (docs/signing.md "For operators"): finds and checks the package's
 * signature exactly as a run would, and returns the verdict whatever it is, so a refused one is shown, not only
 * its error line. Nothing is extracted, locked or sent.
 */
public final class VerifyAction {
    private final PackageSource source;

    public VerifyAction(PackageSource source) {
        this.source = source;
    }

    /** The verdict and whether the policy lets the package run. */
    public record Result(Verdict verdict, boolean accepted) {
        /** The human form: one {@code label: value} line per fact; a fact that does not apply is left out. */
        public List<String> lines() {
            List<String> lines = new ArrayList<>();
            lines.add("package:    " + verdict.subject());
            verdict.source().ifPresent(source -> lines.add("signature:  " + source));
            verdict.signer().ifPresent(signer -> lines.add("signer:     " + signer));
            verdict.key().ifPresent(key -> lines.add("key:        " + key.fingerprint() + " (" + key.label() + ", " + key.bits() + " bits)"));
            lines.add("namespace:  " + verdict.namespace());
            lines.add("verdict:    " + verdict.status().word() + (verdict.detail().isEmpty() ? "" : " (" + verdict.detail() + ")"));
            lines.add("policy:     " + verdict.policy().word() + ": " + (accepted ? "accepted" : "refused"));
            return lines;
        }
    }

    public Result run(String tgz) {
        if (tgz == null) {
            throw EngineException.missing("the 'profile verify' command requires --tgz <file>");
        }
        Verdict verdict = source.inspect(tgz).signature();
        return new Result(verdict, verdict.decision().proceed());
    }
}
