package io.productivek3s.infra.export;

import io.productivek3s.infra.EngineException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The running engine's distribution, which a bundle embeds: the launchers next to it, every jar of its class path
 * directory ({@code lib/} in a bundle, {@code target/lib/} in a source checkout; the launcher runs
 * {@code java -cp <dir>/*}), its LICENSE, and {@code runtime/} when it ships a Java runtime.
 *
 * @param home    directory of the launcher that started this engine
 * @param libDir  directory of the jar holding the main class
 * @param jars    every {@code *.jar} in {@code libDir}, sorted
 * @param runtime {@code home/runtime} when it holds an executable {@code bin/java}
 */
public record EngineFiles(Path home, Path libDir, List<Path> jars, Optional<Path> runtime) {
    public static final String LAUNCHER = "productive-k3s-infra.sh";
    public static final String SCRIPTS_LAUNCHER = "scripts/" + LAUNCHER;
    /**
     * The launcher's files under scripts/lib: its shell helpers (docs/release.md "Shell helpers"), its flags and
     * shared decisions, its bash part (docs/contract/invocation.md "Launcher"), and the compiler directives of an
     * encrypted state move (docs/performance.md "Encryption at rest").
     */
    public static final List<String> SHELL_LIBS = List.of("scripts/lib/pk3s-shell.sh", "scripts/lib/pk3s-launch.sh",
            "scripts/lib/pk3s-launcher.bash", "scripts/lib/pk3s-sealed-jit.json");
    public static final String ENGINE_JAR = "productive-k3s-infra.jar";
    /** Optional release-bundle helpers (docs/release.md#bundle-layout) that bundles carry when the engine has them. */
    public static final List<String> OPTIONAL_SCRIPTS = List.of("scripts/release-config.sh", "scripts/send-telemetry-event.sh");

    /** Start-up data of a release bundle's lib/: the class list and engine id the launcher makes an archive from. */
    public static final List<String> STARTUP_DATA = List.of("engine.classlist", "engine.id");

    public EngineFiles {
        jars = List.copyOf(jars);
    }

    /** The {@link #STARTUP_DATA} files this engine's lib/ has (release bundles; not source checkouts). */
    public List<Path> startupData() {
        return STARTUP_DATA.stream().map(libDir::resolve).filter(Files::isRegularFile).toList();
    }

    /** Locates the engine that runs {@code mainClass}; exit 1 when it is not a launcher-started jar installation. */
    public static EngineFiles locate(Class<?> mainClass) {
        Path jar = codeSource(mainClass);
        if (!Files.isRegularFile(jar)) {
            throw EngineException.runtime("cannot export: the running engine is not packaged as a jar: " + jar);
        }
        Path libDir = jar.getParent();
        Path home = launcherHome(libDir);
        List<Path> jars;
        try (Stream<Path> entries = Files.list(libDir)) {
            jars = entries.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + libDir, e);
        }
        List<String> required = new ArrayList<>(List.of(LAUNCHER, SCRIPTS_LAUNCHER, "LICENSE"));
        required.addAll(SHELL_LIBS);
        for (String file : required) {
            if (!Files.isRegularFile(home.resolve(file))) {
                throw EngineException.runtime("cannot export: the engine installation is incomplete: " + home.resolve(file) + " not found");
            }
        }
        Path runtime = home.resolve("runtime");
        return new EngineFiles(home, libDir, jars,
                Files.isExecutable(runtime.resolve("bin/java")) ? Optional.of(runtime) : Optional.empty());
    }

    /**
     * The jar holding {@code mainClass}. Classes mapped from the release's start-up (CDS) archive get their code
     * source from the archive's build-time class path, which is relative (for a reproducible archive) and so resolves
     * against the current directory; the launcher's explicit class path names the real engine jar.
     */
    private static Path codeSource(Class<?> mainClass) {
        CodeSource source = mainClass.getProtectionDomain().getCodeSource();
        if (source != null && source.getLocation() != null) {
            try {
                Path jar = Path.of(source.getLocation().toURI()).toAbsolutePath().normalize();
                if (Files.isRegularFile(jar) || Files.isDirectory(jar)) { // a directory: unpacked classes, refused by locate
                    return jar;
                }
            } catch (URISyntaxException | IllegalArgumentException e) {
                // fall through to the class path
            }
        }
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (entry.endsWith("/" + ENGINE_JAR) && Files.isRegularFile(Path.of(entry))) {
                return Path.of(entry).toAbsolutePath().normalize();
            }
        }
        throw EngineException.runtime("cannot export: the running engine's jar cannot be located"
                + (source == null || source.getLocation() == null ? "" : ": " + source.getLocation()));
    }

    /** The launcher sits beside {@code lib/} (bundles) or two levels above {@code target/lib/} (source checkouts). */
    private static Path launcherHome(Path libDir) {
        Path dir = libDir.getParent();
        for (int level = 0; level < 2 && dir != null; level++, dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(LAUNCHER))) {
                return dir;
            }
        }
        throw EngineException.runtime("cannot export: launcher " + LAUNCHER + " not found next to the engine in " + libDir.getParent());
    }
}
