package io.productivek3s.infra.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile env files end in one exit-4 line with file:line, quickly and in bounded memory. */
class EnvLimitsTest {
    @TempDir
    Path dir;

    private static EnvStack stack() {
        return new EnvStack(Map.of("HOME", "/home/t"), w -> { }, false);
    }

    private static void assertInvalid(Runnable load, String message) {
        assertThatThrownBy(load::run).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(4);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void exponentialExpansionStopsAtTheValueBound() {
        // B repeats A 16 times, C repeats B, ...: about 1 GiB if evaluated naively
        StringBuilder text = new StringBuilder("A=" + "x".repeat(64) + "\n");
        char previous = 'A';
        for (char name = 'B'; name <= 'H'; name++) {
            text.append(name).append('=').append(("${" + previous + "}").repeat(16)).append('\n');
            previous = name;
        }
        long start = System.nanoTime();
        assertInvalid(() -> stack().loadText(text.toString(), "profile.env", Layer.PACKAGE),
                "env file profile.env:4: value of D is longer than 131072 characters after expansion");
        assertThat(System.nanoTime() - start).as("fails fast, not after gigabytes").isLessThan(5_000_000_000L);
    }

    @Test
    void oneValueAtTheBoundIsAcceptedOneBeyondIsNot() {
        String ok = "V=" + "a".repeat(EnvLimits.MAX_VALUE_CHARS) + "\n";
        assertThat(stack().loadText(ok, "o.env", Layer.OVERRIDE).value("V")).hasValueSatisfying(v -> assertThat(v).hasSize(EnvLimits.MAX_VALUE_CHARS));
        assertInvalid(() -> stack().loadText("X=1\nV=" + "a".repeat(EnvLimits.MAX_VALUE_CHARS + 1) + "\n", "o.env", Layer.OVERRIDE),
                "env file o.env:2: value of V is longer than 131072 characters after expansion");
    }

    @Test
    void theTotalOfAllValuesIsBounded() {
        EnvStack stack = stack();
        String chunk = "a".repeat(100_000);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            text.append("V").append(i).append('=').append(chunk).append('\n');
        }
        assertInvalid(() -> stack.loadText(text.toString(), "big.env", Layer.PACKAGE),
                "env file big.env:11: the variables from env files exceed 1048576 characters in all (at V10)");
        // reassigning one name does not count twice
        StringBuilder same = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            same.append("V=").append(chunk).append('\n');
        }
        assertThat(stack().loadText(same.toString(), "same.env", Layer.PACKAGE).value("V")).isPresent();
    }

    @Test
    void nulAndControlCharactersAreRefusedWithTheirLine() {
        assertInvalid(() -> stack().loadText("A=1\nB=x\0y\n", "p.env", Layer.PACKAGE), "env file p.env:2: control character U+0000 is not allowed");
        assertInvalid(() -> stack().loadText("A='multi\nline \u001b[31m'\n", "p.env", Layer.PACKAGE),
                "env file p.env:2: control character U+001B is not allowed");
        assertInvalid(() -> stack().loadText("# comment \u0007\n", "p.env", Layer.PACKAGE), "env file p.env:1: control character U+0007 is not allowed");
        assertThat(stack().loadText("A='tab\there'\r\n", "p.env", Layer.PACKAGE).value("A")).contains("tab\there");
    }

    @Test
    void specialFilesAreNeverRead() throws Exception {
        Path fifo = dir.resolve("fifo.env");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertInvalid(() -> stack().load(fifo, "fifo.env", Layer.OVERRIDE), "env file fifo.env: not a regular file");
        assertInvalid(() -> stack().load(Path.of("/dev/zero"), "/dev/zero", Layer.OVERRIDE), "env file /dev/zero: not a regular file");
        assertInvalid(() -> stack().load(dir, "dir", Layer.OVERRIDE), "env file dir: not a regular file");
        Path huge = Files.write(dir.resolve("huge.env"), new byte[EnvLimits.MAX_FILE_BYTES + 1]);
        assertInvalid(() -> stack().load(huge, "huge.env", Layer.OVERRIDE), "env file huge.env: larger than 1048576 bytes");
    }
}
