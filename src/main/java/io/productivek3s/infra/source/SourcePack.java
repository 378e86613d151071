package io.productivek3s.infra.source;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.PackSigning;
import io.productivek3s.infra.sign.PackageSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code profile pack --profile F.env --output F.tgz} [New]: the normalized package of a source profile, written
 * as a file, so authors can inspect, publish or {@code profile install} exactly what an export would embed.
 */
public final class SourcePack {
    private final EngineContext context;

    public SourcePack(EngineContext context) {
        this.context = context;
    }

    public int run(String profileArg, String output, Optional<String> signKey) {
        if (output == null) {
            throw EngineException.missing("the 'profile pack' command requires --output <file.tgz>");
        }
        Optional<PackageSigner> signer = PackSigning.prepare(context, signKey);
        SourcePackager packager = new SourcePackager(context);
        SourcePackager.Sources sources = packager.check("profile", profileArg);
        Path target = context.paths().resolve(output);
        if (Files.isDirectory(target)) {
            throw EngineException.invalid("refusing to replace existing output: " + output);
        }
        NormalizedPackage written = packager.write(sources, target);
        context.log().info("Packed profile " + written.manifest().name() + " " + written.manifest().version());
        context.log().ok("Profile package written to: " + output);
        context.log().info("sha256: " + written.sha256());
        PackSigning.finish(context, signer, target, output);
        return 0;
    }
}
