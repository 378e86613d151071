package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.HostilePackages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile package corpus ({@link HostilePackages}) through the real launcher: every case ends in its documented
 * exit code and one ERROR line (no trace, no second line), nothing is written outside the work dir, no temp data
 * is left, no state is touched and no child runs. Failures are collected so one run reports every deviation.
 */
class HostilePackagesIT {
    @TempDir
    Path home;

    @Test
    void everyHostilePackageEndsInItsDocumentedLineAndExitCode() throws Exception {
        Path outside = Files.createDirectories(home.resolve("outside"));
        Path state = home.resolve("state");
        List<HostilePackages.Case> cases = new HostilePackages(Files.createDirectories(home.resolve("packages")), outside).generate();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(100);

        List<String> deviations = new ArrayList<>();
        for (HostilePackages.Case c : cases) {
            Engine engine = Engine.fromRepo(home)
                    .env("PK3S_PROFILE_STATE_DIR", state.toString())
                    .env("TELEMETRY_ENABLED", "false")
                    .env("PK3S_PROFILE_MAKE_BIN", "/bin/false")
                    .cwd(Files.createDirectories(home.resolve("work")));
            c.env().forEach(engine::env);
            Engine.Result result = engine.run("profile", c.command(), "--tgz", c.tgz().toString());
            List<String> errors = result.stderrLines();
            String expected = c.message() == null ? "(no error)" : "[pk3s-infra] ERROR " + c.message();
            boolean ok = result.exitCode() == c.exit()
                    && (c.message() == null ? errors.isEmpty() : errors.size() == 1 && errors.get(0).startsWith(expected))
                    && !result.stdout().contains("Exception") && !result.stderr().contains("\tat ");
            if (!ok) {
                deviations.add(c.tgz().getFileName() + " [" + c.command() + "] expected " + c.exit() + " '" + expected
                        + "'\n    got " + result.exitCode() + " " + errors);
            }
            try (Stream<Path> left = Files.list(home.resolve("tmp"))) {
                List<String> names = left.map(p -> p.getFileName().toString()).toList();
                if (!names.isEmpty()) {
                    deviations.add(c.tgz().getFileName() + ": temp data left: " + names);
                }
            }
        }
        try (Stream<Path> written = Files.walk(outside)) {
            assertThat(written.filter(p -> !p.equals(outside)).toList()).as("nothing written outside the work dir").isEmpty();
        }
        assertThat(deviations).as(deviations.size() + " of " + cases.size() + " cases deviate").isEmpty();
        try (Stream<Path> touched = Files.exists(state) ? Files.walk(state) : Stream.empty()) {
            assertThat(touched.toList()).as("no case got as far as the state directory").isEmpty();
        }
    }
}
