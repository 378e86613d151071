package io.productivek3s.infra.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real launcher {@code productive-k3s-infra.sh} as a process, the way users and {@code pk3s} do, with a
 * controlled environment: a private HOME and TMPDIR, and PATH limited to the system plus test doubles.
 */
public final class Engine {
    /** A loopback address where nothing listens (the discard port). */
    public static final String UNREACHABLE = "http://127.0.0.1:9";

    private final Path launcher;
    private final Map<String, String> env = new LinkedHashMap<>();
    private Path cwd;

    public Engine(Path launcher, Path home) {
        this.launcher = launcher;
        this.cwd = home;
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        String javaHome = System.getProperty("java.home");
        if (javaHome != null) {
            env.put("JAVA_HOME", javaHome);
        }
        env.put("HOME", home.toString());
        env.put("TMPDIR", home.resolve("tmp").toString());
        env.put("LANG", "C.UTF-8");
        // Catalog and Core release look-ups must never leave the machine: by default they hit a closed loopback port.
        env.put("PK3S_CATALOG_URLS", UNREACHABLE + "/catalogs/index.yaml");
        env.put("PRODUCTIVE_K3S_RELEASE_API_URL", UNREACHABLE);
        try {
            Files.createDirectories(home.resolve("tmp"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The repository's launcher, found from the Maven basedir. */
    public static Engine fromRepo(Path home) {
        return new Engine(Repo.root().resolve("productive-k3s-infra.sh"), home);
    }

    public Engine env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    public Engine unset(String name) {
        env.remove(name);
        return this;
    }

    /** Prepends a directory (of fake tools) to PATH. */
    public Engine prependPath(Path dir) {
        env.put("PATH", dir + ":" + env.get("PATH"));
        return this;
    }

    public Engine cwd(Path dir) {
        this.cwd = dir;
        env.put("PWD", dir.toString());
        return this;
    }

    public Map<String, String> environment() {
        return env;
    }

    public Result run(String... args) {
        return runWithInput(null, args);
    }

    public Result runWithInput(String stdin, String... args) {
        checkTelemetryStaysLocal(env);
        List<String> argv = new ArrayList<>();
        argv.add(launcher.toString());
        argv.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(argv).directory(cwd.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        if (!env.containsKey("PWD")) {
            builder.environment().put("PWD", cwd.toString());
        }
        try {
            Process process = builder.start();
            if (stdin != null) {
                process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            CompletableFuture<String> out = drain(process.getInputStream());
            CompletableFuture<String> err = drain(process.getErrorStream());
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("engine did not finish within 180 s: " + argv);
            }
            return new Result(process.exitValue(), out.get(), err.get());
        } catch (IOException | InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts the engine without waiting (signal tests). */
    public Process start(String... args) throws IOException {
        checkTelemetryStaysLocal(env);
        List<String> argv = new ArrayList<>();
        argv.add(launcher.toString());
        argv.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(argv).directory(cwd.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.environment().putIfAbsent("PWD", cwd.toString());
        return builder.start();
    }

    /**
     * Tests must never reach the real telemetry endpoint: a run that could send events (telemetry not explicitly
     * off) needs TELEMETRY_ENDPOINT set to empty or a loopback URL.
     */
    public static void checkTelemetryStaysLocal(Map<String, String> env) {
        String endpoint = env.get("TELEMETRY_ENDPOINT");
        String enabled = env.getOrDefault("TELEMETRY_ENABLED", "").trim().toLowerCase(java.util.Locale.ROOT);
        boolean off = java.util.Set.of("", "0", "false", "no", "n", "off").contains(enabled);
        if (endpoint == null ? !off : !endpoint.isBlank() && !endpoint.matches("https?://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]+)?(/.*)?")) {
            throw new AssertionError("test would send telemetry off this machine: TELEMETRY_ENABLED=" + enabled
                    + " TELEMETRY_ENDPOINT=" + endpoint);
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    /** Exit code and both output streams of one engine run. */
    public record Result(int exitCode, String stdout, String stderr) {
        public List<String> stdoutLines() {
            return stdout.isEmpty() ? List.of() : List.of(stdout.split("\n"));
        }

        public List<String> stderrLines() {
            return stderr.isEmpty() ? List.of() : List.of(stderr.split("\n"));
        }

        @Override
        public String toString() {
            return "exit=" + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }
}
