package io.productivek3s.infra.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real OpenSSH client for signing tests: keys made by {@code ssh-keygen} in a test's temp dir, files signed with
 * {@code ssh-keygen -Y sign}, signatures checked with {@code ssh-keygen -Y verify}.
 */
public final class SshKeys {
    private final Path dir;

    public SshKeys(Path dir) {
        this.dir = dir;
    }

    /** A key pair: the private key file and its {@code .pub} line. */
    public record Key(Path privateKey, String publicLine) {
        /** {@code <type> <base64>} without the comment. */
        public String publicKey() {
            String[] parts = publicLine.strip().split("\\s+");
            return parts[0] + " " + parts[1];
        }

        /** The fingerprint as {@code ssh-keygen -l} prints it. */
        public String fingerprint() throws IOException {
            return run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", privateKey.toString() + ".pub")).split("\\s+")[1];
        }
    }

    /** {@code ssh-keygen -t TYPE [-b BITS]} without a passphrase. */
    public Key generate(String name, String type, int bits) throws IOException {
        Path key = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", name + "@test", "-f", key.toString()));
        if (bits > 0) {
            command.addAll(List.of("-b", Integer.toString(bits)));
        }
        run(command);
        return new Key(key, Files.readString(Path.of(key + ".pub")));
    }

    /** {@code ssh-keygen -Y sign -n NAMESPACE -f KEY FILE}: writes {@code FILE.sig}. */
    public Path sign(Key key, String namespace, Path file) throws IOException {
        Path signature = Path.of(file + ".sig");
        Files.deleteIfExists(signature);
        run(List.of("ssh-keygen", "-Y", "sign", "-n", namespace, "-f", key.privateKey().toString(), file.toString()));
        return signature;
    }

    /** Whether {@code ssh-keygen -Y verify} accepts the signature for the principal. */
    public boolean verify(Path allowedSigners, String principal, String namespace, Path signature, Path file)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder("ssh-keygen", "-Y", "verify", "-f", allowedSigners.toString(), "-I", principal,
                "-n", namespace, "-s", signature.toString()).redirectInput(file.toFile()).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor() == 0;
    }

    /** An {@code allowed_signers} line: {@code principal [options] type base64}. */
    public static String signer(String principal, String options, Key key) {
        return principal + (options.isEmpty() ? "" : " " + options) + " " + key.publicKey() + "\n";
    }

    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return output;
    }
}
