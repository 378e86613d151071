package io.productivek3s.infra.env;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Real bash as the reference: {@code env -i … bash -c 'set -a; . file; env -0'}. */
final class BashOracle {
    static final Map<String, String> ENV = Map.of("HOME", "/home/tester", "PATH", "/usr/bin:/bin");

    /** What bash itself adds to the environment of a sourcing shell. */
    private static final Set<String> BASH_OWNED = Set.of("_", "SHLVL", "PWD", "OLDPWD");

    record Result(int exit, String stderr, Map<String, String> environment) {
        boolean clean() {
            return exit == 0 && stderr.isEmpty();
        }
    }

    private BashOracle() {
    }

    /** bash is a host requirement of the engine (docs/contract/invocation.md#host-requirements): its absence fails the test, never skips it. */
    static void requireBash() {
        if (!Files.isExecutable(Path.of("/bin/bash")) && !Files.isExecutable(Path.of("/usr/bin/bash"))) {
            throw new AssertionError("bash is required by the engine and by this comparison, and is not installed");
        }
    }

    /** Sources {@code file} in a shell started with exactly {@link #ENV}; returns the resulting environment. */
    static Result source(Path file) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "set -a; . \"$1\"; env -0", "bash", file.toString());
        builder.environment().clear();
        builder.environment().putAll(ENV);
        builder.directory(file.getParent().toFile());
        Path stderr = Files.createTempFile("bash-oracle", ".err");
        try {
            builder.redirectError(stderr.toFile());
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("bash did not finish");
            }
            Map<String, String> environment = new LinkedHashMap<>();
            for (String entry : new String(out, StandardCharsets.UTF_8).split("\0")) {
                int eq = entry.indexOf('=');
                if (eq > 0 && !BASH_OWNED.contains(entry.substring(0, eq))) {
                    environment.put(entry.substring(0, eq), entry.substring(eq + 1));
                }
            }
            return new Result(process.exitValue(), Files.readString(stderr), environment);
        } finally {
            Files.deleteIfExists(stderr);
        }
    }
}
