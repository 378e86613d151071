package io.productivek3s.infra.run;

import io.productivek3s.infra.sign.PackageSigner;
import io.productivek3s.infra.sign.SignatureFile;
import io.productivek3s.infra.sign.SshSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code profile pack --sign-key}, shared by {@code --source} and {@code --profile} packing (docs/signing.md "For
 * publishers"): the key and ssh-keygen are checked before anything is written, the package is signed after.
 */
public final class PackSigning {
    private PackSigning() {
    }

    /** Exit 3 for a missing key, exit 5 without ssh-keygen; empty without {@code --sign-key}. */
    public static Optional<PackageSigner> prepare(EngineContext context, Optional<String> signKey) {
        return signKey.map(key -> PackageSigner.prepare(context.env(), context.paths().resolve(key), key));
    }

    /**
     * Signs the packed file when asked; without a key, warns about a signature an earlier pack left beside it: it
     * signs other bytes, so every run would refuse the new package.
     */
    public static void finish(EngineContext context, Optional<PackageSigner> signer, Path target, String output) {
        if (signer.isPresent()) {
            SshSignature signature = signer.get().sign(target, output);
            context.log().ok("Signature written to: " + output + SignatureFile.SUFFIX + " (" + signature.key() + ")");
        } else if (Files.exists(SignatureFile.beside(target))) {
            context.log().warn(output + SignatureFile.SUFFIX + " is left from an earlier pack and does not sign this package; "
                    + "remove it or pack with --sign-key");
        }
    }
}
