package io.productivek3s.infra;

import io.productivek3s.infra.cli.Cli;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

/** Process entry point; the launcher passes the install root as {@code -Dpk3s.install.root}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        String root = System.getProperty("pk3s.install.root", "");
        Path installRoot = root.isEmpty() ? Path.of("").toAbsolutePath() : Path.of(root);
        int code = new Cli(System.getenv(), out, err, installRoot, Clock.systemDefaultZone()).run(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
