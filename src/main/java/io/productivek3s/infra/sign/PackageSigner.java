package io.productivek3s.infra.sign;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.exec.Binaries;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code profile pack --sign-key KEY}: signs a package with {@code ssh-keygen -Y sign -n pk3s-profile}, so every key
 * OpenSSH can use signs (a private key file, or a {@code .pub} whose private half is in {@code ssh-agent} or on a
 * hardware token). The file goes in on stdin and the signature comes back on stdout; the engine checks that it
 * verifies before writing {@code FILE.sig} atomically (docs/signing.md "For publishers").
 */
public final class PackageSigner {
    public static final String COMMAND = "ssh-keygen";

    private final Path sshKeygen;
    private final Path key;
    private final Map<String, String> env;

    private PackageSigner(Path sshKeygen, Path key, Map<String, String> env) {
        this.sshKeygen = sshKeygen;
        this.key = key;
        this.env = env;
    }

    /** Checked before the package is written: the key must exist (exit 3) and ssh-keygen be installed (exit 5). */
    public static PackageSigner prepare(Map<String, String> env, Path key, String shownKey) {
        if (!Files.isRegularFile(key)) {
            throw EngineException.missing("signing key not found: " + shownKey);
        }
        return new PackageSigner(new Binaries(env).require(COMMAND), key, env);
    }

    /** Signs {@code file}, writes {@code file.sig} and returns the signature; exit 1 when ssh-keygen cannot sign. */
    public SshSignature sign(Path file, String shown) {
        ProcessBuilder builder = new ProcessBuilder(List.of(sshKeygen.toString(), "-q", "-Y", "sign", "-n",
                SignatureVerifier.PROFILE_NAMESPACE, "-f", key.toString()))
                .redirectInput(file.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().clear();
        builder.environment().putAll(env);
        byte[] armored;
        try {
            Process process = builder.start();
            try (InputStream out = process.getInputStream()) {
                armored = out.readNBytes(SshSignature.MAX_BYTES + 1);
            }
            int exit = process.waitFor();
            if (exit != 0) {
                throw EngineException.runtime("ssh-keygen could not sign " + shown + " with " + key + " (exit " + exit + ")");
            }
        } catch (IOException e) {
            throw EngineException.runtime("could not run ssh-keygen to sign " + shown + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.runtime("signing " + shown + " was interrupted");
        }
        SshSignature signature;
        try (InputStream in = Files.newInputStream(file)) {
            signature = SshSignature.parseArmored(armored);
            if (!signature.namespace().equals(SignatureVerifier.PROFILE_NAMESPACE) || !signature.verifies(in)) {
                throw EngineException.runtime("ssh-keygen produced a signature that does not verify for " + shown);
            }
        } catch (SignatureFormatException e) {
            throw EngineException.runtime("ssh-keygen produced an unreadable signature for " + shown + ": it " + e.getMessage());
        } catch (IOException e) {
            throw EngineException.runtime("could not read " + shown + " to check its signature: " + e.getMessage());
        }
        try {
            Files2.writeAtomically(SignatureFile.beside(file), armored, Files2.FILE_PUBLIC);
        } catch (IOException e) {
            throw EngineException.runtime("could not write " + shown + ".sig: " + e.getMessage());
        }
        return signature;
    }
}
