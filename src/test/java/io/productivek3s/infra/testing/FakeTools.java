package io.productivek3s.infra.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test doubles for tools outside our product (make, tofu, terraform, ssh): bash scripts that record their argv,
 * working directory and environment, then exit with {@code FAKE_<TOOL>_EXIT} (default 0). A fake make can also
 * run the real target with {@code FAKE_MAKE_DELEGATE=1}.
 */
public final class FakeTools {
    private final Path bin;
    private final Path records;

    public FakeTools(Path dir) throws IOException {
        this.bin = Files.createDirectories(dir.resolve("bin"));
        this.records = Files.createDirectories(dir.resolve("records"));
    }

    public Path bin() {
        return bin;
    }

    public FakeTools add(String tool) throws IOException {
        String upper = tool.toUpperCase().replace('-', '_');
        String script = "#!/usr/bin/env bash\n"
                + "n=$(ls '" + records + "' | grep -c \"^" + tool + "-[0-9]*\\.args$\" || true)\n"
                + "rec='" + records + "'/" + tool + "-$((n + 1))\n"
                + "{ printf 'cwd=%s\\n' \"$PWD\"; for a in \"$@\"; do printf 'arg=%s\\n' \"$a\"; done; } > \"$rec.args\"\n"
                + "env -0 > \"$rec.env\"\n"
                + "if [ \"${FAKE_" + upper + "_DELEGATE:-}\" = 1 ]; then exec /usr/bin/" + tool + " \"$@\"; fi\n"
                + "if [ -n \"${FAKE_" + upper + "_SCRIPT:-}\" ]; then bash -c \"$FAKE_" + upper + "_SCRIPT\" fake \"$@\" || exit $?; fi\n"
                + "exit \"${FAKE_" + upper + "_EXIT:-0}\"\n";
        Path file = bin.resolve(tool);
        Files.writeString(file, script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return this;
    }

    /** An environment a fake tool or the fixture installer recorded: NUL-separated {@code NAME=value} entries. */
    public static Map<String, String> environment(Path recorded) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : Files.readString(recorded, StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    /** Every recorded call of {@code tool}, in order. */
    public List<Call> calls(String tool) throws IOException {
        List<Call> calls = new ArrayList<>();
        for (int i = 1; Files.exists(records.resolve(tool + "-" + i + ".args")); i++) {
            List<String> lines = Files.readAllLines(records.resolve(tool + "-" + i + ".args"));
            String cwd = lines.get(0).substring("cwd=".length());
            List<String> args = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                args.add(line.substring("arg=".length()));
            }
            calls.add(new Call(cwd, args, environment(records.resolve(tool + "-" + i + ".env"))));
        }
        return calls;
    }

    /** One recorded invocation. */
    public record Call(String cwd, List<String> args, Map<String, String> env) {
    }
}
