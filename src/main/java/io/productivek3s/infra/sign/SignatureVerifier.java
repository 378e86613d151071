package io.productivek3s.infra.sign;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks a file against its OpenSSH signature and the operator's trust file (docs/signing.md "Trust model"). It
 * returns a {@link Verdict} and never decides: the {@link SignaturePolicy} does. The order is fixed so the reason
 * shown is the most useful one: malformed, wrong namespace, bad signature (tampered, or another file's), key not
 * trusted, namespace not allowed for that signer, outside the signer's validity window.
 */
public final class SignatureVerifier {
    /** The namespace of profile packages: a signature made for git or another tool never passes as a package's. */
    public static final String PROFILE_NAMESPACE = "pk3s-profile";
    /** The namespace of catalog indexes. */
    public static final String CATALOG_NAMESPACE = "pk3s-catalog";
    /** The namespace of a Productive K3S Core release's checksum file (docs/signing.md "Core release bundles"). */
    public static final String CORE_NAMESPACE = "pk3s-core";

    /** The signed file's bytes, opened once for hashing. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;

        static Content of(Path file) {
            return () -> java.nio.file.Files.newInputStream(file);
        }

        static Content of(byte[] bytes) {
            return () -> new java.io.ByteArrayInputStream(bytes);
        }
    }

    /**
     * A file to check: as the user named it, its bytes, its signature if one was found, and where one was looked
     * for (shown when there is none).
     */
    public record Subject(String shown, Content content, Optional<SignatureFile> signature, String lookedFor) {
    }

    private final SignaturePolicy policy;
    private final Optional<TrustFile> trustFile;
    private final Clock clock;
    private final ZoneId zone;
    /** Read at most once per run, and only when a signature needs it. */
    private Optional<AllowedSigners> trust;

    public SignatureVerifier(SignaturePolicy policy, Optional<TrustFile> trustFile, Clock clock, ZoneId zone) {
        this.policy = policy;
        this.trustFile = trustFile;
        this.clock = clock;
        this.zone = zone;
    }

    /** The policy and trust file of the environment; exit 4 for an unknown {@code PK3S_SIGNATURE_POLICY}. */
    public static SignatureVerifier fromEnv(Map<String, String> env, Function<String, Path> resolve, Clock clock) {
        return new SignatureVerifier(SignaturePolicy.fromEnv(env), TrustFile.locate(env, resolve), clock, ZoneId.systemDefault());
    }

    public SignaturePolicy policy() {
        return policy;
    }

    public Optional<TrustFile> trustFile() {
        return trustFile;
    }

    /** The trust file's entries, loaded once; empty when there is none. Exit 3/4 for an unusable one. */
    public Optional<AllowedSigners> trust() {
        if (trust == null) {
            trust = trustFile.flatMap(file -> file.load(zone));
        }
        return trust;
    }

    /** Checks one file; with {@code off} nothing is read. */
    public Verdict verify(Subject subject, String namespace) {
        String shown = subject.shown();
        if (policy == SignaturePolicy.OFF) {
            return Verdict.of(policy, Verdict.Status.OFF, shown, namespace, Optional.empty(), SignaturePolicy.VARIABLE + "=off");
        }
        if (subject.signature().isEmpty()) {
            return Verdict.of(policy, Verdict.Status.UNSIGNED, shown, namespace, Optional.empty(), "no signature at "
                    + subject.lookedFor()).withTrustFile(trust().map(AllowedSigners::source));
        }
        SignatureFile file = subject.signature().get();
        Optional<String> source = Optional.of(file.shown());
        SshSignature signature;
        try {
            signature = SshSignature.parseArmored(file.bytes());
        } catch (SignatureFormatException e) {
            return Verdict.of(policy, Verdict.Status.MALFORMED, shown, namespace, source, "signature file " + file.shown()
                    + " is malformed: it " + e.getMessage());
        }
        SshKey key = signature.key();
        String keyShown = key.label() + " key " + key.fingerprint();
        if (!signature.namespace().equals(namespace)) {
            return Verdict.of(policy, Verdict.Status.WRONG_NAMESPACE, shown, namespace, source, "signed by " + keyShown
                    + " for namespace '" + signature.namespace() + "', not '" + namespace + "'").withKey(key);
        }
        if (!intact(subject, signature)) {
            return Verdict.of(policy, Verdict.Status.BAD, shown, namespace, source, "the signature by " + keyShown + " in "
                    + file.shown() + " does not match the file (it was changed, or this is another file's signature)").withKey(key);
        }
        Optional<AllowedSigners> signers = trust();
        if (signers.isEmpty()) {
            return Verdict.of(policy, Verdict.Status.UNCHECKED, shown, namespace, source, "signed by " + keyShown
                    + " but there is no trust file (" + TrustFile.VARIABLE + " or " + trustFile.map(TrustFile::describe)
                    .orElse("~/.config/pk3s/allowed_signers") + ")").withKey(key).withPackageSignature(file);
        }
        return trusted(shown, namespace, source, key, signers.get()).withTrustFile(Optional.of(signers.get().source()))
                .withPackageSignature(file);
    }

    private Verdict trusted(String shown, String namespace, Optional<String> source, SshKey key, AllowedSigners signers) {
        String keyShown = key.label() + " key " + key.fingerprint();
        List<AllowedSigners.Entry> entries = signers.entriesFor(key);
        if (entries.isEmpty()) {
            return Verdict.of(policy, Verdict.Status.UNTRUSTED, shown, namespace, source, "signed by " + keyShown
                    + ", which is not in the trust file " + signers.source()).withKey(key);
        }
        List<AllowedSigners.Entry> allowed = entries.stream().filter(entry -> entry.allowsNamespace(namespace)).toList();
        if (allowed.isEmpty()) {
            AllowedSigners.Entry first = entries.get(0);
            return Verdict.of(policy, Verdict.Status.UNTRUSTED, shown, namespace, source, "signer " + first.principals() + " ("
                    + key.fingerprint() + ") may not sign namespace '" + namespace + "' (namespaces=\"" + first.namespaces()
                    .orElse("") + "\" in " + signers.source() + " line " + first.line() + ")").withKey(key);
        }
        for (AllowedSigners.Entry entry : allowed) {
            if (entry.outsideValidity(clock.instant()).isEmpty()) {
                return new Verdict(policy, Verdict.Status.GOOD, shown, namespace, source, Optional.of(entry.principals()),
                        Optional.of(key), Optional.empty(), "", Optional.empty());
            }
        }
        AllowedSigners.Entry first = allowed.get(0);
        return Verdict.of(policy, Verdict.Status.EXPIRED, shown, namespace, source, "signer " + first.principals() + " ("
                + key.fingerprint() + ") " + first.outsideValidity(clock.instant()).orElse("") + " (" + signers.source()
                + " line " + first.line() + ")").withKey(key);
    }

    /**
     * A package a signed catalog index covers: the index's signer vouches for the entry's sha256, which the download
     * was verified against, so the package carries the index's verdict.
     */
    public Verdict coveredByIndex(String shown, Verdict index) {
        return new Verdict(policy, index.status(), shown, index.namespace(), index.source().map(s -> "digest in " + s),
                index.signer(), index.key(), index.trustFile(), index.detail(), Optional.empty());
    }

    private static boolean intact(Subject subject, SshSignature signature) {
        try (InputStream in = subject.content().open()) {
            return signature.verifies(in);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + subject.shown() + " to check its signature", e);
        }
    }
}
