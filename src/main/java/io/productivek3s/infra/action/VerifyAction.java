package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.sign.Verdict;
import io.productivek3s.infra.util.Digests;
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

    /** The verdict, whether the policy lets the package run, and the package checked (its digest and local file). */
    public record Result(Verdict verdict, boolean accepted, String sha256, String ref, String path) {
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
        PackageSource.Resolved resolved = source.inspect(tgz);
        Verdict verdict = resolved.signature();
        return new Result(verdict, verdict.decision().proceed(), Digests.sha256(resolved.file()), resolved.reference(),
                resolved.file().toAbsolutePath().normalize().toString());
    }
}
