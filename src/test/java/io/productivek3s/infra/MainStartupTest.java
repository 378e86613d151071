package io.productivek3s.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guards what {@code version} loads before {@code main} returns (docs/performance.md "What the engine loads before
 * main returns"): a fresh JVM runs {@link Main}, the JVM's own class-load log says which classes it loaded. Class
 * names, not times, so the result does not depend on the machine's load.
 */
class MainStartupTest {
    @TempDir
    Path dir;

    @Test
    void versionLoadsNoJacksonAndNoProcessInfo() throws Exception {
        List<String> loaded = classesLoadedBy("version");
        assertThat(loaded).as("classes loaded by 'version'").contains(Main.class.getName())
                .noneMatch(name -> name.startsWith("com.fasterxml."))
                // the --debug trace's ProcessHandle.info() starts a thread pool: only under --debug
                .doesNotContain("java.lang.ProcessHandleImpl$Info")
                // the disabled events every command holds until its arguments are parsed make no clock: a UTC clock
                // initialises the time-zone classes, which 'version' never needs (docs/performance.md "Round 7")
                .doesNotContain("java.time.Clock$SystemClock", "java.time.ZoneOffset", "java.io.OutputStream$1");
    }

    /**
     * The command table is built per first word (docs/performance.md "The command table, built per first word"):
     * {@code version} builds the section that holds it and links none of the other sections' handlers, whose method
     * references would load their command classes; {@code profile validate} builds the profile rows only.
     */
    @Test
    void aCommandBuildsOnlyTheTableSectionItsFirstWordIsIn() throws Exception {
        String table = "io.productivek3s.infra.cli.CommandTable$";
        List<String> otherSections = List.of("AllRows", "PackageRows", "StateRows", "DoctorRows", "SourceRows", "LegacyRows",
                "ArtifactRows", "AuthoringRows", "ToolRows");
        List<String> version = classesLoadedBy("version");
        assertThat(version).as("classes loaded by 'version'").contains(table + "InfoRows")
                .doesNotContainAnyElementsOf(otherSections.stream().map(section -> table + section).toList())
                .doesNotContain("io.productivek3s.infra.cli.PackageCommands", "io.productivek3s.infra.cli.StateCommands",
                        "io.productivek3s.infra.cli.SourceCommands", "io.productivek3s.infra.cli.ArtifactCommands")
                // nor does anything on its way compile a regular expression or open a file channel
                .doesNotContain("java.util.regex.Pattern", "sun.nio.ch.FileChannelImpl");
        String example = Path.of("examples", "local-demo.tgz").toAbsolutePath().toString();
        assertThat(classesLoadedBy("profile", "validate", "--tgz", example)).as("classes loaded by 'profile validate'")
                .contains(table + "PackageRows", table + "AuthoringRows")
                .doesNotContain(table + "AllRows", table + "StateRows", table + "SourceRows", table + "LegacyRows",
                        "io.productivek3s.infra.cli.StateCommands", "io.productivek3s.infra.cli.SourceCommands");
    }

    /**
     * A small package, validated with an empty package cache and then from it: no Jackson (the text output needs no
     * JSON) and no record's generated equals/hashCode/toString, whose first use links a method-handle chain
     * ({@code java.lang.runtime.ObjectMethods}, tens of milliseconds).
     */
    @Test
    void validatingASmallPackageLoadsNoJacksonAndLinksNoRecordMethods() throws Exception {
        String example = Path.of("examples", "local-demo.tgz").toAbsolutePath().toString();
        for (String run : List.of("empty cache", "cached")) {
            assertThat(classesLoadedBy("profile", "validate", "--tgz", example)).as("classes loaded by validate, %s", run)
                    .contains("io.productivek3s.infra.action.ValidateAction")
                    .noneMatch(name -> name.startsWith("com.fasterxml."))
                    .doesNotContain("java.lang.runtime.ObjectMethods");
        }
    }

    @Test
    void theDebugTraceStillNamesTheJvmFlags() throws Exception {
        Path err = dir.resolve("debug.err");
        int code = runMain(dir.resolve("debug.log"), err, "--debug", "version");
        assertThat(code).isZero();
        assertThat(Files.readString(err)).contains("jvm: ").contains("COMMAND=version");
    }

    private List<String> classesLoadedBy(String... args) throws Exception {
        Path log = dir.resolve("class-load.log");
        Path err = dir.resolve("engine.err");
        int code = runMain(log, err, args);
        assertThat(code).as("exit code; stderr: %s", Files.readString(err)).isZero();
        // "[0.123s][info][class,load] java.lang.Object source: shared objects file"
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream().map(line -> line.split(" "))
                .filter(fields -> fields.length > 1).map(fields -> fields[1]).toList();
    }

    private int runMain(Path classLog, Path err, String... args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xlog:class+load:file=" + classLog,
                "-Dpk3s.install.root=" + Path.of("").toAbsolutePath(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString()); // the package cache, per test
        Process process = builder.redirectOutput(dir.resolve("engine.out").toFile())
                .redirectError(err.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("engine finished").isTrue();
        return process.exitValue();
    }
}
