package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.run.Workspace;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * {@code --tgz <(curl …)}: a pipe can be read once, but a package is read several times (scan, digest, extraction),
 * so it is copied once into a private file (0600 in a 0700 run temp dir under {@code $TMPDIR}), bounded like a
 * download by {@code PK3S_INFRA_MAX_PACKAGE_BYTES}. The directory is a {@link Workspace}: removed when the engine
 * exits (normally, on an error or on a signal), and by the next run if this one was killed outright.
 */
final class SpooledPipe {
    private SpooledPipe() {
    }

    /** @return the spooled copy of {@code pipe}; {@code shown} is the {@code --tgz} value as the user gave it */
    static Path spool(Path pipe, String shown, Map<String, String> env) {
        long maxBytes = ExtractionLimits.fromEnv(env).maxBytes();
        Workspace spool;
        try {
            spool = Workspace.create(env);
        } catch (UncheckedIOException e) {
            throw EngineException.runtime(e.getMessage() + ": " + e.getCause().getMessage());
        }
        Path file = spool.dir().resolve("package.tgz");
        try (InputStream in = Files.newInputStream(pipe);
             OutputStream out = Files.newOutputStream(Files.createFile(file,
                     PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE)), StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
                if (total > maxBytes) {
                    throw EngineException.invalid("tgz package from " + shown + " is larger than " + maxBytes
                            + " bytes (raise " + ExtractionLimits.MAX_BYTES_VARIABLE + " if this is expected)");
                }
                out.write(buffer, 0, n);
            }
            return file;
        } catch (IOException | RuntimeException e) {
            spool.close();
            if (e instanceof IOException io) {
                throw EngineException.missing("could not read tgz package from " + shown + ": " + io.getMessage());
            }
            throw (RuntimeException) e;
        }
    }
}
