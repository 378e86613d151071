package io.productivek3s.infra.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A generator of hostile {@code profile.tgz} packages, each with the command to run and the documented outcome
 * (exit code and ERROR line prefix): traversal, absolute names, links, devices, bombs by size, count and ratio,
 * malformed gzip/tar/YAML/env, huge and control-character names, recursive aliases. Used by
 * {@code HostilePackagesIT} and by {@code bench/hostile-memory.sh} (which measures peak memory per case):
 * {@code java -cp target/test-classes:target/lib/* io.productivek3s.infra.testing.HostilePackages <dir> <outside>}.
 */
public final class HostilePackages {
    /** One hostile input: the command, extra variables for the run, and the outcome (exit 0: no ERROR line at all). */
    public record Case(String id, String command, Path tgz, Map<String, String> env, int exit, String message) {
    }

    static final String MANIFEST = """
            apiVersion: infra.productive-k3s.io/v1
            kind: Profile
            metadata:
              name: hostile
              version: 1.0.0
              category: edge
            spec:
              scenario:
                type: onprem-basic
              engine:
                type: ansible
              execution:
                installScript: scripts/install.sh
            """;
    static final String ENV = "ONPREM_SERVER_IP=192.0.2.1\nTELEMETRY_ENABLED=false\n";

    private final Path dir;
    private final Path outside;
    private final List<Case> cases = new ArrayList<>();

    /**
     * @param dir     where the packages are written
     * @param outside a directory nothing may ever be written to; traversal members aim at it
     */
    public HostilePackages(Path dir, Path outside) {
        this.dir = dir;
        this.outside = outside;
    }

    private static TarBuilder base() {
        return new TarBuilder().dir("./")
                .file("./profile.yaml", MANIFEST)
                .file("./profile.env", ENV)
                .dir("./scripts").file("./scripts/install.sh", "#!/usr/bin/env bash\necho installed\n", 0755)
                .dir("./scenarios/edge/onprem-basic").file("./scenarios/edge/onprem-basic/Makefile", "up:\n\t@true\nstatus:\n\t@true\n");
    }

    private static TarBuilder withManifest(String manifest) {
        return new TarBuilder().dir("./").file("./profile.yaml", manifest).file("./profile.env", ENV)
                .file("./scripts/install.sh", "#!/usr/bin/env bash\n", 0755)
                .file("./scenarios/edge/onprem-basic/Makefile", "up:\n\t@true\n");
    }

    private static TarBuilder withEnv(String env) {
        return new TarBuilder().dir("./").file("./profile.yaml", MANIFEST).file("./profile.env", env)
                .file("./scripts/install.sh", "#!/usr/bin/env bash\n", 0755)
                .file("./scenarios/edge/onprem-basic/Makefile", "up:\n\t@true\nstatus:\n\t@true\n");
    }

    private void add(String id, String command, byte[] tgz, Map<String, String> env, int exit, String message) throws IOException {
        Path file = dir.resolve(String.format("%03d-%s.tgz", cases.size() + 1, id));
        Files.write(file, tgz);
        cases.add(new Case(id, command, file, env, exit, message == null ? null : message.replace("<tgz>", file.toString())));
    }

    private void add(String id, String command, TarBuilder tar, int exit, String message) throws IOException {
        add(id, command, tar.bytes(), Map.of(), exit, message);
    }

    private void unsafe(String id, String entry, TarBuilder tar) throws IOException {
        String command = cases.size() % 2 == 0 ? "validate" : "install";
        add(id, command, tar, 4, "profile package contains an unsafe entry: " + entry);
    }

    private void notYaml(String id, String manifest, String detail) throws IOException {
        add(id, "validate", withManifest(manifest), 4, "profile package profile.yaml is not valid YAML: " + detail);
    }

    private void invalid(String id, String manifest, String message) throws IOException {
        add(id, "validate", withManifest(manifest), 4, message);
    }

    private void env(String id, String env, String message) throws IOException {
        add(id, cases.size() % 2 == 0 ? "install" : "status", withEnv(env), 4, message);
    }

    public List<Case> generate() throws IOException {
        Files.createDirectories(dir);
        String out = outside.toString();
        // 1. traversal and absolute names (docs/contract/package.md#safe-extraction)
        for (String name : new String[] {"../evil", "./../evil", "a/../../evil", "scripts/../../evil", "a/b/../../../evil",
            "../../../outside/evil", "./scenarios/../../../../outside/evil", "..", "./..", "x/..//../y"}) {
            unsafe("traversal", name, base().file(name, "pwned\n"));
        }
        for (String name : new String[] {out + "/abs", "/etc/pk3s-evil", "//double", "/evil-at-root", "/tmp/../" + out.substring(1) + "/x"}) {
            unsafe("absolute", name, base().file(name, "pwned\n"));
        }
        // 2. symbolic links escaping, or written through
        String[][] links = {
            {"./up", "../"}, {"./abs", "/etc"}, {"./out", out}, {"./deep", "a/b/../../../.."}, {"./scripts/esc", "../../x"},
            {"./self", "self"}, {"./dots", "./././../x"}, {"./rootlink", "/"},
        };
        for (String[] link : links) {
            unsafe("symlink", link[0], base().symlink(link[0], link[1]));
        }
        unsafe("write-through-symlink", "./link/evil", base().symlink("./link", "scripts").file("./link/evil", "x"));
        unsafe("chain-escape", "./b", base().symlink("./a", "scripts/..").symlink("./b", "a/.."));
        unsafe("link-loop", "./loop1", base().symlink("./loop1", "loop2").symlink("./loop2", "loop1").file("./loop1/x", "x"));
        // 3. hard links outside the archive
        for (String target : new String[] {"../../etc/passwd", "/etc/passwd", out + "/target", "./missing-member", "../profile.yaml"}) {
            unsafe("hardlink", "./hard", base().hardlink("./hard", target));
        }
        // 4. devices, FIFOs
        unsafe("chardev", "./dev/zero", base().charDevice("./dev/zero"));
        unsafe("blockdev", "./dev/sda", base().blockDevice("./dev/sda"));
        unsafe("fifo", "./pipe", base().fifo("./pipe"));
        unsafe("fifo-as-script", "./scripts/install.sh", new TarBuilder().dir("./").file("./profile.yaml", MANIFEST).fifo("./scripts/install.sh"));
        // 5. huge and control-character names
        unsafe("long-component", "./" + "a".repeat(300), base().file("./" + "a".repeat(300), "x"));
        unsafe("long-multibyte-component", "./" + "\u00e9".repeat(130), base().file("./" + "\u00e9".repeat(130), "x"));
        unsafe("long-path", "./" + "d/".repeat(40), base().file("./" + "d/".repeat(2100) + "f", "x"));
        for (String name : new String[] {"./new\nline", "./esc\u001b[31m", "./soh\u0001x", "./tab\tname", "./del\u007f", "./bell\u0007"}) {
            unsafe("control-name", shown(name), base().file(name, "x"));
        }
        unsafe("control-link-target", "./ln", base().symlink("./ln", "scripts/\u001b]0;x\u0007"));
        // 6. bombs: entry count, size, compression ratio
        TarBuilder many = base();
        for (int i = 0; i < 600; i++) {
            many.file("./many/f" + i, "");
        }
        add("count-bomb", "validate", many.bytes(), Map.of("PK3S_INFRA_MAX_PACKAGE_ENTRIES", "500"), 4,
                "profile package exceeds extraction limits: ");
        add("size-bomb", "install", base().file("./big.bin", new byte[3 << 20], 0644).bytes(),
                Map.of("PK3S_INFRA_MAX_PACKAGE_BYTES", String.valueOf(2 << 20)), 4, "profile package exceeds extraction limits: ");
        add("gzip-bomb", "validate", gzipBomb(1100), Map.of(), 4, "profile package exceeds extraction limits: ");
        add("gzip-bomb-install", "install", gzipBomb(1100), Map.of(), 4, "profile package exceeds extraction limits: ");
        add("huge-profile-yaml", "validate", base().file("./profile.yaml", ("# " + "x".repeat(1000) + "\n").repeat(5000) + MANIFEST).bytes(),
                Map.of(), 4, "profile package exceeds extraction limits: ");
        add("huge-profile-env", "install", withEnv(("# " + "x".repeat(1000) + "\n").repeat(1100)).bytes(), Map.of(), 4,
                "env file profile.env: larger than 1048576 bytes");
        // 7. malformed gzip and tar
        byte[] good = base().bytes();
        add("not-gzip", "validate", "this is not an archive\n".getBytes(StandardCharsets.UTF_8), Map.of(), 4, "could not extract tgz package: <tgz>");
        add("empty-file", "install", new byte[0], Map.of(), 4, "could not extract tgz package: <tgz>");
        add("truncated-gzip", "validate", Arrays.copyOf(good, good.length / 2), Map.of(), 4, "could not extract tgz package: <tgz>");
        add("gzip-header-only", "install", Arrays.copyOf(good, 10), Map.of(), 4, "could not extract tgz package: <tgz>");
        byte[] badCrc = good.clone();
        badCrc[badCrc.length - 6] ^= 0x55;
        add("bad-crc", "validate", badCrc, Map.of(), 4, "could not extract tgz package: <tgz>");
        byte[] flipped = good.clone();
        flipped[good.length / 3] ^= 0x7f;
        add("corrupt-deflate", "install", flipped, Map.of(), 4, "could not extract tgz package: <tgz>");
        add("gzip-of-garbage", "validate", gzip("garbage that is not a tar header".repeat(40).getBytes(StandardCharsets.UTF_8)), Map.of(), 4,
                "could not extract tgz package: <tgz>");
        byte[] tar = ungzip(good);
        add("truncated-tar", "install", gzip(Arrays.copyOf(tar, 1100)), Map.of(), 4, "could not extract tgz package: <tgz>");
        byte[] badHeader = tar.clone();
        badHeader[148] = 'x'; // header checksum field
        add("bad-tar-checksum", "validate", gzip(badHeader), Map.of(), 4, "could not extract tgz package: <tgz>");
        add("gzip-of-zeros", "validate", gzip(new byte[8192]), Map.of(), 4, "profile package is missing profile.yaml");
        add("no-manifest", "validate", new TarBuilder().dir("./").file("./README.md", "hi\n"), 4, "profile package is missing profile.yaml");
        add("two-wrappers", "validate", new TarBuilder().file("a/profile.yaml", MANIFEST).file("b/profile.yaml", MANIFEST), 4,
                "profile package is missing profile.yaml");
        // 8. YAML
        notYaml("recursive-alias", MANIFEST.replace("metadata:\n", "metadata: &m\n  self: *m\n"), "recursive alias *m");
        notYaml("recursive-alias-list", MANIFEST + "x: &l [a, *l]\n", "recursive alias *l");
        notYaml("billion-laughs", MANIFEST + "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                + "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n", "more than 20 aliases");
        notYaml("deep-flow-nesting", MANIFEST + "x: " + "[".repeat(50_000) + "]".repeat(50_000) + "\n", "nesting is deeper than 64 levels");
        notYaml("deep-block-nesting", MANIFEST + "x:\n" + buildBlockNesting(80), "nesting is deeper than 64 levels");
        notYaml("duplicate-key", MANIFEST + "kind: Profile\n", "duplicate key 'kind'");
        notYaml("two-documents", MANIFEST + "---\n" + MANIFEST, "the file contains more than one YAML document");
        add("invalid-utf8", "validate", base().file("./profile.yaml", invalidUtf8(MANIFEST.replace("hostile", "host@"), '@'), 0644), 4,
                "profile package profile.yaml is not valid YAML: the file is not valid UTF-8");
        notYaml("tab-indent", MANIFEST.replace("  name: hostile", "\tname: hostile"), "");
        notYaml("unclosed-flow", MANIFEST + "x: [a, b\n", "");
        notYaml("unclosed-quote", MANIFEST + "x: \"abc\n", "");
        notYaml("top-level-list", "- a\n- b\n", "the top level is not a mapping");
        notYaml("empty-document", "# nothing\n", "the file contains no YAML document");
        // tags construct nothing: an unknown key with a hostile tag is inert, and ignored like any unknown key
        add("inert-tag", "validate", withManifest(MANIFEST + "x: !!python/object:os.system [\"touch " + out + "/tag\"]\n"), 0, null);
        invalid("name-traversal", MANIFEST.replace("name: hostile", "name: ../../etc/evil"), "profile package metadata.name is invalid: ../../etc/evil");
        invalid("name-300", MANIFEST.replace("name: hostile", "name: " + "n".repeat(300)), "profile package metadata.name is invalid: ");
        invalid("name-nul", MANIFEST.replace("name: hostile", "name: \"a\\0b\""), "profile package metadata.name is invalid: a\\x00b");
        invalid("name-newline", MANIFEST.replace("name: hostile", "name: \"a\\nb\""), "profile package metadata.name is invalid: a\\nb");
        invalid("name-escape", MANIFEST.replace("name: hostile", "name: \"a\\e[31mb\""), "profile package metadata.name is invalid: a\\x1b[31mb");
        invalid("name-list", MANIFEST.replace("name: hostile", "name: [a, b]"), "profile package metadata.name must be a scalar value");
        invalid("script-absolute", MANIFEST.replace("scripts/install.sh", "/bin/sh"), "profile package install script escapes the package: /bin/sh");
        invalid("script-traversal", MANIFEST.replace("scripts/install.sh", "../../bin/sh"), "profile package install script escapes the package: ../../bin/sh");
        invalid("api-version", MANIFEST.replace("infra.productive-k3s.io/v1", "evil/v9"), "profile package apiVersion is unsupported: evil/v9");
        invalid("engine", MANIFEST.replace("type: ansible", "type: rm -rf"), "unsupported profile package engine: rm -rf");
        invalid("required-yes", MANIFEST + "  inputs:\n    - name: A\n      required: yes\n", "profile package input 'A' has invalid required value: yes");
        invalid("input-name", MANIFEST + "  inputs:\n    - name: \"A;rm\"\n", "profile package input name is invalid: A;rm");
        invalid("input-twice", MANIFEST + "  inputs:\n    - name: A\n    - name: A\n", "profile package input 'A' is declared more than once");
        invalid("compat-version", MANIFEST + "  compatibility:\n    requires:\n      infra:\n        minEngineVersion: 9.x\n",
                "profile package compatibility has invalid version: 9.x");
        add("binary-manifest", "validate", base().file("./profile.yaml", new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, 3}, 0644), 4,
                "profile package profile.yaml is not valid YAML: the file is not valid UTF-8");
        // 9. env files (evaluated by execution commands)
        StringBuilder exponential = new StringBuilder("A=" + "a".repeat(32) + "\n");
        char previous = 'A';
        for (char name = 'B'; name <= 'J'; name++) {
            exponential.append(name).append('=').append(("${" + previous + "}").repeat(16)).append('\n');
            previous = name;
        }
        env("exponential-expansion", exponential.toString(), "env file profile.env:5: value of E is longer than 131072 characters after expansion");
        env("nul-value", ENV + "X=a\0b\n", "env file profile.env:3: control character U+0000 is not allowed");
        env("nul-make-bin", ENV + "PK3S_PROFILE_MAKE_BIN=/usr/bin/make\0\n", "env file profile.env:3: control character U+0000 is not allowed");
        env("escape-value", ENV + "X='\u001b]2;owned\u0007'\n", "env file profile.env:3: control character U+001B is not allowed");
        env("huge-value", ENV + "X=" + "v".repeat(200_000) + "\n", "env file profile.env:3: value of X is longer than 131072 characters after expansion");
        env("exec-string-limit", ENV + "X=" + "v".repeat(131_070) + "\n",
                "environment variable X is 131073 bytes; the kernel limits one environment string to 131072 bytes (MAX_ARG_STRLEN)");
        StringBuilder total = new StringBuilder(ENV + "W=" + "w".repeat(120_000) + "\n");
        for (int i = 0; i < 9; i++) {
            total.append("V").append(i).append("=$W\n");
        }
        env("total-env", total.toString(), "env file profile.env:11: the variables from env files exceed 1048576 characters in all (at V7)");
        env("command-substitution", ENV + "X=$(touch " + out + "/pwned)\n", "env file profile.env:3: unsupported shell construct '$(…)'");
        env("backticks", ENV + "X=`id`\n", "env file profile.env:3: unsupported shell construct '`…`'");
        env("arithmetic", ENV + "X=$((1+1))\n", "env file profile.env:3: unsupported shell construct '$((…))'");
        env("shell-code", ENV + "rm -rf " + out + "\n", "env file profile.env:3: unsupported syntax");
        env("unterminated", ENV + "X=\"abc\n", "env file profile.env:3: unterminated quote");
        add("invalid-utf8-env", "install", withEnv("").file("./profile.env", invalidUtf8(ENV.replace("192", "@"), '@'), 0644), 4,
                "env file profile.env: not valid UTF-8 text");
        env("scenario-path-escape", ENV + "PK3S_INFRA_SCENARIO_PATH=../../etc\nPK3S_INFRA_CATEGORY=edge\n",
                "invalid PK3S_INFRA_SCENARIO_PATH in profile.env: ../../etc");
        add("missing-env", "install", new TarBuilder().dir("./").file("./profile.yaml", MANIFEST).file("./scripts/install.sh", "#!/bin/sh\n", 0755)
                .file("./scenarios/edge/onprem-basic/Makefile", "up:\n"), 4, "profile package is missing profile.env");
        // 10. install script and scenario problems
        add("script-missing", "install", new TarBuilder().dir("./").file("./profile.yaml", MANIFEST).file("./profile.env", ENV)
                .file("./scenarios/edge/onprem-basic/Makefile", "up:\n"), 4, "profile package install script not found: scripts/install.sh");
        add("script-is-dir", "install", new TarBuilder().dir("./").file("./profile.yaml", MANIFEST).file("./profile.env", ENV)
                .dir("./scripts/install.sh").file("./scenarios/edge/onprem-basic/Makefile", "up:\n"), 4,
                "profile package install script escapes the package: scripts/install.sh");
        add("script-symlink-escape", "install", new TarBuilder().dir("./").file("./profile.yaml", MANIFEST).file("./profile.env", ENV)
                .dir("./scripts").symlink("./scripts/install.sh", "../../../../../bin/sh").file("./scenarios/edge/onprem-basic/Makefile", "up:\n"), 4,
                "profile package contains an unsafe entry: ./scripts/install.sh");
        add("scenario-missing", "install", new TarBuilder().dir("./").file("./profile.yaml", MANIFEST).file("./profile.env", ENV)
                .file("./scripts/install.sh", "#!/bin/sh\n", 0755), 4, "profile package scenario directory not found: scenarios/edge/onprem-basic");
        return List.copyOf(cases);
    }

    /** {@code text} as UTF-8 with every {@code marker} replaced by the byte 0xff, which UTF-8 never contains. */
    static byte[] invalidUtf8(String text, char marker) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == marker) {
                bytes[i] = (byte) 0xff;
            }
        }
        return bytes;
    }

    private static String buildBlockNesting(int depth) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 1; i <= depth; i++) {
            yaml.append("  ".repeat(i)).append("k").append(i).append(":\n");
        }
        return yaml.append("  ".repeat(depth + 1)).append("v\n").toString();
    }

    /** A tar member declaring {@code mib} MiB of zeros, as many gzip members of one compressed MiB each (~1 KB). */
    static byte[] gzipBomb(int mib) throws IOException {
        byte[] header = new TarBuilder().file("./zeros.bin", new byte[0], 0644).bytes();
        byte[] rawHeader = Arrays.copyOf(ungzip(header), 512);
        long size = (long) mib << 20;
        String octal = String.format("%011o", size);
        System.arraycopy(octal.getBytes(StandardCharsets.US_ASCII), 0, rawHeader, 124, 11);
        Arrays.fill(rawHeader, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : rawHeader) {
            sum += b & 0xff;
        }
        byte[] checksum = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(checksum, 0, rawHeader, 148, 8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(gzip(rawHeader));
        byte[] mibOfZeros = gzip(new byte[1 << 20]);
        for (int i = 0; i < mib; i++) {
            out.write(mibOfZeros);
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static byte[] ungzip(byte[] data) throws IOException {
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }

    /** How the engine echoes a name: control characters escaped. */
    static String shown(String value) {
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray()) {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(Character.isISOControl(c) ? String.format("\\x%02x", (int) c) : String.valueOf(c));
            }
        }
        return out.toString();
    }

    /** Writes the cases to {@code args[0]} and prints one {@code |}-separated line per case (for the memory bench). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]).toAbsolutePath();
        Path outside = Path.of(args[1]).toAbsolutePath();
        for (Case c : new HostilePackages(dir, outside).generate()) {
            Map<String, String> env = new LinkedHashMap<>(c.env());
            StringBuilder assignments = new StringBuilder();
            env.forEach((k, v) -> assignments.append(k).append('=').append(v).append(' '));
            System.out.println(c.id() + "|" + c.command() + "|" + c.tgz() + "|" + assignments.toString().trim() + "|" + c.exit());
        }
    }
}
