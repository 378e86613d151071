package io.productivek3s.infra.sign;

import java.util.Optional;

/**
 * What the signature check found for one file, and the policy that judges it (docs/signing.md "Policy"). {@code subject}
 * is the file as the user named it; {@code source} where its signature came from (empty when unsigned);
 * {@code signer} the principals of the trusted entry; {@code trustFile} the trust file consulted, empty when there is
 * none; {@code detail} the one-line reason of a failure or where a missing signature was looked for;
 * {@code packageSignature} the intact signature of the file itself (not of a catalog covering it), which an export
 * carries along.
 */
public record Verdict(SignaturePolicy policy, Status status, String subject, String namespace, Optional<String> source,
        Optional<String> signer, Optional<SshKey> key, Optional<String> trustFile, String detail,
        Optional<SignatureFile> packageSignature) {

    public enum Status {
        /** {@code PK3S_SIGNATURE_POLICY=off}: nothing was looked at. */
        OFF("off", true),
        UNSIGNED("unsigned", true),
        /** Signed and intact, but there is no trust file to say who may sign. */
        UNCHECKED("unchecked", true),
        GOOD("good", true),
        BAD("bad", false),
        MALFORMED("malformed", false),
        WRONG_NAMESPACE("wrong-namespace", false),
        UNTRUSTED("untrusted", false),
        EXPIRED("expired", false);

        private final String word;
        private final boolean acceptable;

        Status(String word, boolean acceptable) {
            this.word = word;
            this.acceptable = acceptable;
        }

        /** The verdict as {@code profile verify} and the JSON {@code signature} block show it. */
        public String word() {
            return word;
        }

        /** Whether some policy may let the file run; a failed check never does. */
        public boolean acceptable() {
            return acceptable;
        }
    }

    static Verdict of(SignaturePolicy policy, Status status, String subject, String namespace, Optional<String> source,
            String detail) {
        return new Verdict(policy, status, subject, namespace, source, Optional.empty(), Optional.empty(), Optional.empty(), detail,
                Optional.empty());
    }

    Verdict withKey(SshKey signingKey) {
        return new Verdict(policy, status, subject, namespace, source, signer, Optional.of(signingKey), trustFile, detail,
                packageSignature);
    }

    Verdict withTrustFile(Optional<String> file) {
        return new Verdict(policy, status, subject, namespace, source, signer, key, file, detail, packageSignature);
    }

    Verdict withPackageSignature(SignatureFile file) {
        return new Verdict(policy, status, subject, namespace, source, signer, key, trustFile, detail, Optional.of(file));
    }

    /** The policy's decision: proceed (maybe with an INFO line) or refuse with one line. */
    public SignaturePolicy.Decision decision() {
        return policy.decide(this);
    }

    /** The signing key as messages show it ({@code ED25519 SHA256:…}); empty when no signature was read. */
    public String keyShown() {
        return key.map(k -> k.label() + " " + k.fingerprint()).orElse("");
    }
}
