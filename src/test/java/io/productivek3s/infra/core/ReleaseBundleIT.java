package io.productivek3s.infra.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Repo;
import io.productivek3s.infra.testing.TestHttpServer;
import io.productivek3s.infra.testing.TestHttpServer.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release as users and {@code pk3s} get it (docs/release.md#build-a-release, docs/release.md#bundle-layout, docs/release.md#the-installer): {@code scripts/build-release-bundle.sh}
 * run twice on a throwaway repository with a temporary release tag, the three assets served from a loopback HTTP
 * server in the GitHub download layout, the rendered installer run with a PATH that has no java, javac or mvn.
 */
class ReleaseBundleIT {
    private static final String TAG = "0.9.65-0.9.6";
    private static final String TOP = "productive-k3s-infra-" + TAG;
    private static final String ARCHIVE = TOP + ".tar.gz";
    private static final String DOWNLOAD = "/productive-k3s/productive-k3s-infra/releases/download";

    @TempDir
    static Path shared;
    static Path repo;
    static Path assets;
    static String firstBuildSha;
    static String secondBuildSha;
    static String secondBuildLog;
    private static List<String> differingEntries = List.of();
    private static List<byte[]> startUpArchives = List.of();
    private static final String START_UP_ARCHIVE = "/runtime/lib/pk3s-engine.jsa";
    static Path noJavaPath;
    static TestHttpServer server;
    static byte[] archive;

    @TempDir
    Path home;

    @BeforeAll
    static void buildTheReleaseTwice() throws Exception {
        repo = throwawayRepository(shared.resolve("repo"));
        Path first = shared.resolve("out-1");
        Path second = shared.resolve("out-2");
        Run one = run(repo, Map.of("TMPDIR", mkdirs(shared.resolve("tmp-1")).toString()), 900,
                repo.resolve("scripts/build-release-bundle.sh").toString(), TAG, first.toString());
        assertThat(one.exit()).as(one.toString()).isZero();
        Run two = run(repo, Map.of("TMPDIR", mkdirs(shared.resolve("tmp-2")).toString()), 900,
                repo.resolve("scripts/build-release-bundle.sh").toString(), TAG, second.toString());
        assertThat(two.exit()).as(two.toString()).isZero();
        secondBuildLog = two.stderr();
        firstBuildSha = sha256(Files.readAllBytes(first.resolve(ARCHIVE)));
        secondBuildSha = sha256(Files.readAllBytes(second.resolve(ARCHIVE)));
        if (!firstBuildSha.equals(secondBuildSha)) {
            differingEntries = differingEntries(first.resolve(ARCHIVE), second.resolve(ARCHIVE));
            startUpArchives = List.of(entryBytes(first.resolve(ARCHIVE), START_UP_ARCHIVE),
                    entryBytes(second.resolve(ARCHIVE), START_UP_ARCHIVE));
        }
        assets = first;
        archive = Files.readAllBytes(assets.resolve(ARCHIVE));
        noJavaPath = pathWithoutJava(mkdirs(shared.resolve("no-java-bin")));
        server = new TestHttpServer();
        serve(archive, Files.readAllBytes(assets.resolve("checksums.txt")));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /**
     * Every file of two builds of one tag is byte-identical, the class list the start-up archive is dumped from
     * included. The archive itself may differ by a few bytes: JDK 25's dump sometimes archives one constant-pool
     * entry as resolved (HashMap.treeifyBin, 21 bytes with the header CRCs) and sometimes not, from the same class
     * list and tree (docs/release.md "Reproducible"). Anything more than that (another class list, another JDK, a
     * path inside) changes thousands of bytes and fails here.
     */
    @Test
    void twoBuildsOfTheSameTagAreByteIdenticalButForTheDumpsOneUnsettledEntry() throws Exception {
        assertThat(differingEntries).as("entries that differ").allMatch(line -> line.split(" ")[0].endsWith(START_UP_ARCHIVE));
        if (!startUpArchives.isEmpty()) {
            byte[] one = startUpArchives.get(0);
            byte[] two = startUpArchives.get(1);
            assertThat(two.length).isEqualTo(one.length);
            int differing = 0;
            for (int i = 0; i < one.length; i++) {
                differing += one[i] != two[i] ? 1 : 0;
            }
            assertThat(differing).as("bytes that differ between the two start-up archives").isLessThanOrEqualTo(64);
        }
        assertThat(Files.readString(assets.resolve("checksums.txt")))
                .isEqualTo(firstBuildSha + "  " + ARCHIVE + "\n");
        assertThat(secondBuildLog).contains("[pk3s-release] INFO  Wrote ");
    }

    @Test
    void unknownRefIsOneClearLine() throws Exception {
        Run result = run(repo, Map.of(), 60, repo.resolve("scripts/build-release-bundle.sh").toString(), "9.9.9-9.9.9",
                home.resolve("out").toString());
        assertThat(result.exit()).isNotZero();
        assertThat(result.stderr().strip()).isEqualTo("[pk3s-release] ERROR unknown git ref: 9.9.9-9.9.9");
        assertThat(home.resolve("out")).doesNotExist();
    }

    @Test
    void archiveHasExactlyTheContractLayout() throws Exception {
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(new java.io.ByteArrayInputStream(archive)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                entries.put(entry.getName(), entry);
            }
        }
        assertThat(new ArrayList<>(entries.keySet())).as("sorted entries").isSorted();
        Set<Long> times = new TreeSet<>();
        for (TarArchiveEntry entry : entries.values()) {
            assertThat(entry.getName()).startsWith(TOP + "/");
            assertThat(entry.getLongUserId()).isZero();
            assertThat(entry.getLongGroupId()).isZero();
            times.add(entry.getModTime().getTime());
        }
        assertThat(times).as("one fixed time for every entry").hasSize(1);
        assertThat(entries.get(TOP + "/productive-k3s-infra.sh").getMode() & 0777).isEqualTo(0755);
        assertThat(entries.get(TOP + "/scripts/productive-k3s-infra.sh").getMode() & 0777).isEqualTo(0755);
        assertThat(entries).containsKeys(TOP + "/scripts/release.env", TOP + "/scripts/release-config.sh",
                TOP + "/scripts/send-telemetry-event.sh", TOP + "/lib/productive-k3s-infra.jar", TOP + "/LICENSE",
                TOP + "/README.md", TOP + "/runtime/bin/java", TOP + "/runtime/release", TOP + "/runtime/lib/pk3s-engine.jsa");
        Set<String> topLevel = new TreeSet<>();
        Set<String> scripts = new TreeSet<>();
        for (String name : entries.keySet()) {
            String rest = name.substring(TOP.length() + 1);
            if (!rest.isEmpty()) {
                topLevel.add(rest.split("/")[0]);
            }
            if (rest.startsWith("scripts/") && rest.length() > "scripts/".length() && !rest.endsWith("/")) {
                scripts.add(rest.substring("scripts/".length()));
            }
        }
        assertThat(topLevel).containsExactlyInAnyOrder("productive-k3s-infra.sh", "scripts", "lib", "runtime", "LICENSE", "README.md");
        assertThat(scripts).as("no developer wrappers or build scripts")
                .containsExactlyInAnyOrder("productive-k3s-infra.sh", "release.env", "release-config.sh", "send-telemetry-event.sh",
                        "lib/pk3s-shell.sh", "lib/pk3s-launch.sh", "lib/pk3s-launcher.bash", "lib/pk3s-sealed-jit.json");
        for (String lib : List.of("pk3s-shell.sh", "pk3s-launch.sh", "pk3s-launcher.bash", "pk3s-sealed-jit.json")) {
            assertThat(entries.get(TOP + "/scripts/lib/" + lib).getMode() & 0777).as(lib).isEqualTo(0644);
        }
    }

    @Test
    void installerWithoutJavaInstallsShowsStatusAndDestroysTheExample() throws Exception {
        Path state = home.resolve("state");
        Map<String, String> env = installerEnv(home);
        env.put("PK3S_PROFILE_STATE_DIR", state.toString());
        String tgz = Repo.root().resolve("examples/local-demo.tgz").toString();
        String site = Repo.root().resolve("examples/local-demo/site.env.example").toString();
        Path installer = assets.resolve("productive-k3s-infra-cli.sh");

        Run install = runEnv(home, env, 300, "bash", installer.toString(), "profile", "install", "--tgz", tgz, "--env-file", site);
        assertThat(install.exit()).as(install.toString()).isZero();
        assertThat(install.stderr()).contains("[pk3s-infra-installer] Downloading productive-k3s/productive-k3s-infra " + TAG
                + " (bound to productive-k3s 0.9.6)", "[pk3s-infra-installer] Checksum verified for " + ARCHIVE);
        assertThat(install.stdout()).contains("local-demo: hello from demo; cluster 'demo' at site 'my-laptop' with 3 node(s)");
        assertThat(state.resolve("local-demo.json")).exists();

        Run status = runEnv(home, env, 300, "bash", installer.toString(), "profile", "status", "--tgz", tgz, "--env-file", site);
        assertThat(status.exit()).as(status.toString()).isZero();
        assertThat(status.stdout()).contains("local-demo: cluster 'demo' is up");

        Run destroy = runEnv(home, env, 300, "bash", installer.toString(), "profile", "destroy", "--tgz", tgz, "--env-file", site);
        assertThat(destroy.exit()).as(destroy.toString()).isZero();
        assertThat(destroy.stdout()).contains("local-demo: destroyed");
        assertThat(state.resolve("local-demo.json")).doesNotExist();

        Run after = runEnv(home, env, 300, "bash", installer.toString(), "profile", "status", "--tgz", tgz, "--env-file", site);
        assertThat(after.exit()).as("the engine's exit status comes through the installer").isEqualTo(2);
        assertThat(after.stderr()).contains("local-demo: not installed");
        try (Stream<Path> left = Files.list(home.resolve("tmp"))) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith("pk3s-infra-installer"))).as("work dirs removed").isEmpty();
        }
    }

    /**
     * The installer keeps the verified, unpacked release in the user's cache: the second call makes no request at
     * all (the server could be gone) and costs what the bundle's own start costs.
     */
    @Test
    void installerDownloadsOnceAndRunsTheCachedCopyAfterwards() throws Exception {
        Map<String, String> env = installerEnv(home);
        Path installer = assets.resolve("productive-k3s-infra-cli.sh");
        int before = archiveDownloads();
        Run first = runEnv(home, env, 300, "bash", installer.toString(), "version");
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.stdout()).isEqualTo(TAG + "\n");
        assertThat(archiveDownloads() - before).isEqualTo(1);
        Path entry = releases(home).resolve(cacheEntry());
        assertThat(entry.resolve(TOP + "/productive-k3s-infra.sh")).isExecutable();
        assertThat(Files.readString(entry.resolve(".verified"))).isEqualTo(firstBuildSha + "  " + ARCHIVE + "\n");

        int requests = server.requests().size();
        server.remove(DOWNLOAD + "/" + TAG + "/" + ARCHIVE).remove(DOWNLOAD + "/" + TAG + "/checksums.txt");
        try {
            Run second = runEnv(home, env, 300, "bash", installer.toString(), "version");
            assertThat(second.exit()).as(second.toString()).isZero();
            assertThat(second.stdout()).isEqualTo(TAG + "\n");
            assertThat(second.stderr()).as("nothing downloaded, nothing announced").isEmpty();
        } finally {
            serve(archive, Files.readAllBytes(assets.resolve("checksums.txt")));
        }
        assertThat(server.requests().size()).as("requests of the second call").isEqualTo(requests);
        assertThat(leftovers(home)).isEmpty();
    }

    /** A cached copy that changed after it was verified, or lost its stamp, is downloaded and unpacked again. */
    @Test
    void changedOrUnstampedCachedCopyIsDownloadedAgain() throws Exception {
        Map<String, String> env = installerEnv(home);
        Path installer = assets.resolve("productive-k3s-infra-cli.sh");
        Run first = runEnv(home, env, 300, "bash", installer.toString(), "version");
        assertThat(first.exit()).as(first.toString()).isZero();
        Path entry = releases(home).resolve(cacheEntry());
        Path releaseEnv = entry.resolve(TOP + "/scripts/release.env");
        String original = Files.readString(releaseEnv);
        java.nio.file.attribute.FileTime time = Files.getLastModifiedTime(releaseEnv);
        // a change that keeps size and time: only the installer's check of the file's status catches it
        Files.writeString(releaseEnv, original.replace("PK3S_INFRA_IS_RELEASE=true", "PK3S_INFRA_IS_RELEASE=ture"));
        Files.setLastModifiedTime(releaseEnv, time);

        int before = archiveDownloads();
        Run changed = runEnv(home, env, 300, "bash", installer.toString(), "version");
        assertThat(changed.exit()).as(changed.toString()).isZero();
        assertThat(changed.stderr()).contains("[pk3s-infra-installer] WARN  Cached release " + entry
                + " is incomplete or was changed; downloading it again", "Checksum verified for " + ARCHIVE);
        assertThat(archiveDownloads() - before).isEqualTo(1);
        assertThat(Files.readString(releaseEnv)).isEqualTo(original);

        Files.delete(entry.resolve(".verified"));
        Run unstamped = runEnv(home, env, 300, "bash", installer.toString(), "version");
        assertThat(unstamped.exit()).as(unstamped.toString()).isZero();
        assertThat(unstamped.stderr()).contains("is incomplete or was changed; downloading it again");
        assertThat(archiveDownloads() - before).isEqualTo(2);
        assertThat(entry.resolve(".verified")).exists();

        Run again = runEnv(home, env, 300, "bash", installer.toString(), "version");
        assertThat(again.stderr()).isEmpty();
        assertThat(archiveDownloads() - before).isEqualTo(2);
        assertThat(leftovers(home)).isEmpty();
    }

    /** Two first calls at once: both run the engine, the archive is fetched once or twice, one copy remains. */
    @Test
    void twoConcurrentFirstCallsBothSucceedWithOneCopy() throws Exception {
        Map<String, String> env = installerEnv(home);
        Path installer = assets.resolve("productive-k3s-infra-cli.sh");
        Path dead = mkdirs(releases(home).resolve(".download.killed/" + TOP));   // left by an installer that died
        int before = archiveDownloads();
        CompletableFuture<Run> one = CompletableFuture.supplyAsync(() -> version(env, installer), task -> new Thread(task).start());
        CompletableFuture<Run> two = CompletableFuture.supplyAsync(() -> version(env, installer), task -> new Thread(task).start());
        for (Run run : List.of(one.get(), two.get())) {
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.stdout()).isEqualTo(TAG + "\n");
        }
        assertThat(archiveDownloads() - before).isBetween(1, 2);
        try (Stream<Path> entries = Files.list(releases(home))) {
            assertThat(entries.map(p -> p.getFileName().toString()).filter(name -> !name.startsWith(".")))
                    .containsExactly(cacheEntry());
        }
        assertThat(leftovers(home)).as("the dead installer's download dir is removed under the lock").isEmpty();
        assertThat(dead).doesNotExist();
        Run third = runEnv(home, env, 300, "bash", installer.toString(), "version");
        assertThat(third.stderr()).isEmpty();
    }

    /** Usage printed through the installer shows how its user calls the installer, not the bundle's launcher. */
    @Test
    void helpThroughTheInstallerNamesTheInstaller() throws Exception {
        Map<String, String> env = installerEnv(home);
        Run help = runEnv(assets, env, 300, "bash", "productive-k3s-infra-cli.sh", "help");
        assertThat(help.exit()).as(help.toString()).isZero();
        assertThat(help.stdout()).startsWith("Usage:\n  bash productive-k3s-infra-cli.sh <command> [flags]\n")
                .contains("Run 'bash productive-k3s-infra-cli.sh <command> --help'").doesNotContain("./productive-k3s-infra.sh <");
        Run install = runEnv(assets, env, 300, "bash", "productive-k3s-infra-cli.sh", "profile", "install", "--help");
        assertThat(install.stdout()).startsWith("Usage:\n  bash productive-k3s-infra-cli.sh profile install --tgz <file>");
        Path installer = assets.resolve("productive-k3s-infra-cli.sh");
        Run direct = runEnv(home, env, 300, installer.toString());
        assertThat(direct.exit()).isEqualTo(2);
        assertThat(direct.stderr()).contains("Usage:\n  " + installer + " <command> [flags]\n");
    }

    /** The bundled runtime (jlink) carries java.sql and the driver: the PostgreSQL state backend works without a host Java. */
    @Test
    void bundledRuntimeRunsThePostgresqlStateBackend() throws Exception {
        io.productivek3s.infra.testing.PostgresServer pg = io.productivek3s.infra.testing.PostgresServer.shared();
        String database = pg.createDatabase("bundle");
        Map<String, String> env = installerEnv(home);
        env.put("PK3S_PROFILE_STATE_DIR", home.resolve("state").toString());
        env.put("PK3S_STATE_BACKEND", pg.url(database));
        env.put("PGPASSWORD", io.productivek3s.infra.testing.PostgresServer.PASSWORD);
        String tgz = Repo.root().resolve("examples/local-demo.tgz").toString();
        String site = Repo.root().resolve("examples/local-demo/site.env.example").toString();
        Path installer = assets.resolve("productive-k3s-infra-cli.sh");
        // the scenario's make records what it can read of its ancestors, the installer included (docs/state.md
        // "Credentials": the installer hands the password on, its own environment does not keep it)
        Path ancestors = home.resolve("ancestors.txt");
        Path snoop = home.resolve("snooping-make.sh");
        Files.writeString(snoop, "#!/usr/bin/env bash\nout=" + ancestors + "\n" + io.productivek3s.infra.testing.Ancestors.WALK
                + "exec make \"$@\"\n");
        snoop.toFile().setExecutable(true);
        env.put("PK3S_PROFILE_MAKE_BIN", snoop.toString());

        Run install = runEnv(home, env, 300, "bash", installer.toString(), "profile", "install", "--tgz", tgz, "--env-file", site);
        assertThat(install.exit()).as(install.toString()).isZero();
        assertThat(Files.readString(ancestors)).doesNotContain(io.productivek3s.infra.testing.PostgresServer.PASSWORD)
                .contains("productive-k3s-infra-cli.sh", "io.productivek3s.infra.Main", "-Dpk3s.credentials.fd=3");
        // the password in the URL this time
        env.remove("PGPASSWORD");
        env.put("PK3S_STATE_BACKEND", pg.url(database).replace("://" + io.productivek3s.infra.testing.PostgresServer.USER + "@",
                "://" + io.productivek3s.infra.testing.PostgresServer.USER + ":" + io.productivek3s.infra.testing.PostgresServer.PASSWORD + "@"));
        Files.delete(ancestors);
        Run status = runEnv(home, env, 300, "bash", installer.toString(), "profile", "status", "--tgz", tgz, "--env-file", site);
        assertThat(status.exit()).as(status.toString()).isZero();
        assertThat(status.stdout()).contains("local-demo: cluster 'demo' is up");
        assertThat(Files.readString(ancestors)).doesNotContain(io.productivek3s.infra.testing.PostgresServer.PASSWORD)
                .contains("productive-k3s-infra-cli.sh", "io.productivek3s.infra.Main");
        try (java.sql.Connection c = pg.connect(database); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM pk3s_revisions WHERE name = 'local-demo'")) {
            rs.next();
            // the install's revision; the status found the state unchanged and wrote none (docs/state.md "History")
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void tamperedArchiveIsRefusedAndSkipChecksumProceedsWithAWarning() throws Exception {
        byte[] tampered = archive.clone();
        tampered[tampered.length / 2] ^= 0x5a;
        Path state = home.resolve("state");
        Map<String, String> env = installerEnv(home);
        env.put("PK3S_PROFILE_STATE_DIR", state.toString());
        Path installer = assets.resolve("productive-k3s-infra-cli.sh");
        try {
            serve(tampered, Files.readAllBytes(assets.resolve("checksums.txt")));
            Run refused = runEnv(home, env, 300, "bash", installer.toString(), "version");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.stderr()).contains("[pk3s-infra-installer] ERROR Checksum verification failed for " + ARCHIVE);
            assertThat(refused.stdout()).isEmpty();

            serve(archive, ("0".repeat(64) + "  " + ARCHIVE + "\n").getBytes(StandardCharsets.UTF_8));
            env.put("PK3S_INFRA_SKIP_CHECKSUM", "true");
            Run skipped = runEnv(home, env, 300, "bash", installer.toString(), "version");
            assertThat(skipped.exit()).as(skipped.toString()).isZero();
            assertThat(skipped.stderr()).contains("[pk3s-infra-installer] WARN  Skipping checksum verification of " + ARCHIVE);
            assertThat(skipped.stdout()).isEqualTo(TAG + "\n");
        } finally {
            serve(archive, Files.readAllBytes(assets.resolve("checksums.txt")));
        }
    }

    @Test
    void installedBundleIsPackageOnlyBoundAndReadOnly() throws Exception {
        Path kept = home.resolve("kept");
        Map<String, String> env = installerEnv(home);
        env.put("PK3S_INFRA_HOME", kept.toString());
        Run version = runEnv(home, env, 300, "bash", assets.resolve("productive-k3s-infra-cli.sh").toString(), "version");
        assertThat(version.exit()).as(version.toString()).isZero();
        Path bundle = kept.resolve(cacheEntry()).resolve(TOP);
        List<String> before = listing(bundle);
        Path launcher = bundle.resolve("productive-k3s-infra.sh");
        Map<String, String> direct = installerEnv(home);
        direct.put("XDG_CACHE_HOME", home.resolve("cache").toString());

        Run source = runEnv(home, direct, 120, launcher.toString(), "validate", "--profile", "x.env");
        assertThat(source.exit()).isEqualTo(2);
        assertThat(source.stderr()).contains("the 'validate' command is not available in the package-only release surface");
        Run dev = runEnv(home, direct, 120, bundle.resolve("scripts/productive-k3s-infra.sh").toString(), "dev", "profile", "validate");
        assertThat(dev.exit()).isEqualTo(2);
        assertThat(dev.stderr()).contains("the 'dev' command is not available in the package-only release surface");

        String tgz = Repo.root().resolve("examples/local-demo.tgz").toString();
        direct.put("PRODUCTIVE_K3S_VERSION", "0.9.5");
        Run conflicting = runEnv(home, direct, 120, launcher.toString(), "profile", "validate", "--tgz", tgz);
        assertThat(conflicting.exit()).isEqualTo(4);
        assertThat(conflicting.stderr().strip()).isEqualTo("[pk3s-infra] ERROR release " + TAG
                + " is bound to productive-k3s 0.9.6; refusing requested PRODUCTIVE_K3S_VERSION=0.9.5");
        direct.put("PRODUCTIVE_K3S_VERSION", "v0.9.6");
        Run same = runEnv(home, direct, 120, launcher.toString(), "profile", "validate", "--tgz", tgz);
        assertThat(same.exit()).as(same.toString()).isZero();
        assertThat(listing(bundle)).as("the engine wrote nothing into its installed bundle").isEqualTo(before);
    }

    @Test
    void exportFromTheReleaseCarriesTheRuntimeSoTheTargetNeedsNoJava() throws Exception {
        Path kept = home.resolve("kept");
        Map<String, String> env = installerEnv(home);
        env.put("PK3S_INFRA_HOME", kept.toString());
        Path exported = home.resolve("exported");
        String tgz = Repo.root().resolve("examples/local-demo.tgz").toString();
        String site = Repo.root().resolve("examples/local-demo/site.env.example").toString();
        Run export = runEnv(home, env, 300, "bash", assets.resolve("productive-k3s-infra-cli.sh").toString(),
                "profile", "export", "--tgz", tgz, "--env-file", site, "--output", exported.toString());
        assertThat(export.exit()).as(export.toString()).isZero();
        Path bundle = kept.resolve(cacheEntry()).resolve(TOP);
        for (String same : List.of("runtime/bin/java", "runtime/release", "runtime/lib/pk3s-engine.jsa", "lib/engine.classlist",
                "lib/engine.id", "lib/productive-k3s-infra.jar", "scripts/release.env")) {
            assertThat(exported.resolve(same)).as(same).hasSameBinaryContentAs(bundle.resolve(same));
        }
        assertThat(Files.getLastModifiedTime(exported.resolve("lib/productive-k3s-infra.jar")))
                .as("jar times kept: the start-up archive checks them").isEqualTo(Files.getLastModifiedTime(bundle.resolve("lib/productive-k3s-infra.jar")));

        Map<String, String> target = installerEnv(home);
        target.put("PK3S_PROFILE_STATE_DIR", home.resolve("target-state").toString());
        Run install = runEnv(home, target, 300, exported.resolve("install.sh").toString());
        assertThat(install.exit()).as(install.toString()).isZero();
        assertThat(install.stdout()).contains("local-demo: hello from demo");
        Run destroy = runEnv(home, target, 300, exported.resolve("productive-k3s-infra.sh").toString(), "profile", "destroy",
                "--tgz", exported.resolve("profile.tgz").toString(), "--env-file", exported.resolve("override.env").toString());
        assertThat(destroy.exit()).as(destroy.toString()).isZero();
    }

    @Test
    void foreignRuntimeFallsBackToHostJavaWithTheStartupArchiveInTheUserCache() throws Exception {
        Path bundle = home.resolve(TOP);
        run(home, Map.of(), 120, "tar", "-xzf", assets.resolve(ARCHIVE).toString(), "-C", home.toString());
        Path release = bundle.resolve("runtime/release");
        Files.writeString(release, Files.readString(release).replace("OS_ARCH=x86_64", "OS_ARCH=sparcv9"));
        List<String> before = listing(bundle);
        Path launcher = bundle.resolve("productive-k3s-infra.sh");

        Map<String, String> noJava = installerEnv(home);
        Run missing = runEnv(home, noJava, 120, launcher.toString(), "version");
        assertThat(missing.exit()).isEqualTo(5);
        assertThat(missing.stderr().strip()).isEqualTo("[pk3s-infra] ERROR missing dependency: java");

        Map<String, String> hostJava = installerEnv(home);
        hostJava.put("JAVA_HOME", System.getProperty("java.home"));
        hostJava.put("XDG_CACHE_HOME", home.resolve("cache").toString());
        Run version = runEnv(home, hostJava, 180, launcher.toString(), "version", "--json");
        assertThat(version.exit()).as(version.toString()).isZero();
        assertThat(version.stdout()).contains("\"" + TAG + "\"");
        assertThat(version.stderr()).isEmpty();
        try (Stream<Path> files = Files.walk(home.resolve("cache/pk3s/startup"))) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".jsa")))
                    .as("start-up archive for the host Java, in the user's cache").hasSize(1);
        }
        Run again = runEnv(home, hostJava, 120, launcher.toString(), "bundle", "info", "--json");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.stderr()).isEmpty();
        assertThat(listing(bundle)).isEqualTo(before);
    }

    /**
     * The AOT cache (docs/performance.md "AOT cache"): the first run of a command family trains one into the user's
     * cache directory, later runs of that family map it instead of the shipped archive, a failing run publishes
     * nothing, and nothing is written inside the bundle.
     */
    @Test
    void firstRunOfACommandFamilyTrainsItsAotCacheInTheUserCacheAndLaterRunsUseIt() throws Exception {
        Path bundle = extracted();
        List<String> before = listing(bundle);
        Path launcher = bundle.resolve("productive-k3s-infra.sh");
        Map<String, String> env = directEnv();

        Run first = runEnv(home, env, 180, launcher.toString(), "version");
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.stdout()).isEqualTo(TAG + "\n");
        assertThat(first.stderr()).isEmpty();
        assertThat(aotCaches()).containsExactly("version.aot");
        assertThat(jvmArguments(env, launcher, "version")).contains("-XX:AOTCache=").doesNotContain("SharedArchiveFile");

        String tgz = Repo.root().resolve("examples/local-demo.tgz").toString();
        Run validate = runEnv(home, env, 180, launcher.toString(), "profile", "validate", "--tgz", tgz);
        assertThat(validate.exit()).as(validate.toString()).isZero();
        assertThat(aotCaches()).containsExactlyInAnyOrder("version.aot", "profile-validate.aot");

        Run unknown = runEnv(home, env, 180, launcher.toString(), "nosuch");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.stdout()).isEmpty();
        assertThat(aotCaches()).as("a failing run publishes no cache").containsExactlyInAnyOrder("version.aot", "profile-validate.aot");

        env.put("PK3S_INFRA_AOT_CACHE", "off");
        assertThat(jvmArguments(env, launcher, "version")).contains("-XX:SharedArchiveFile=" + bundle.resolve("runtime/lib/pk3s-engine.jsa"))
                .doesNotContain("AOTCache");
        assertThat(listing(bundle)).as("nothing written inside the bundle").isEqualTo(before);
        assertThat(leftoverTemporaries()).isEmpty();
    }

    /** A damaged cache (garbage, truncated) or one the key no longer names costs speed, never a word or a result. */
    @Test
    void corruptOrStaleAotCacheFallsBackSilently() throws Exception {
        Path bundle = extracted();
        Path launcher = bundle.resolve("productive-k3s-infra.sh");
        Map<String, String> env = directEnv();
        assertThat(runEnv(home, env, 180, launcher.toString(), "version").exit()).isZero();
        Path cache = aotCache("version.aot");
        byte[] good = Files.readAllBytes(cache);

        Files.write(cache, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertSilentVersion(env, launcher);
        Files.write(cache, java.util.Arrays.copyOf(good, good.length / 2));
        assertSilentVersion(env, launcher);

        // another runtime version or engine build is another key: the old cache is left alone, a new one is trained
        Files.write(cache, good);
        Path release = bundle.resolve("runtime/release");
        Files.writeString(release, Files.readString(release).replaceFirst("JAVA_VERSION=\"([^\"]*)\"", "JAVA_VERSION=\"$1.1\""));
        assertSilentVersion(env, launcher);
        assertThat(aotCaches()).containsExactly("version.aot", "version.aot");
        assertSilentVersion(env, launcher);
        assertThat(leftoverTemporaries()).isEmpty();
    }

    /** Concurrent first runs: every one succeeds, each publishes a whole cache by rename, one stays, none is torn. */
    @Test
    void concurrentFirstRunsOfAFamilyAllSucceedAndLeaveOneWholeCache() throws Exception {
        Path bundle = extracted();
        List<String> before = listing(bundle);
        Path launcher = bundle.resolve("productive-k3s-infra.sh");
        Map<String, String> env = directEnv();
        List<CompletableFuture<Run>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return runEnv(home, env, 300, launcher.toString(), "version");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, task -> new Thread(task, "first-run").start()));
        }
        for (CompletableFuture<Run> run : runs) {
            Run result = run.get();
            assertThat(result.exit()).as(result.toString()).isZero();
            assertThat(result.stdout()).isEqualTo(TAG + "\n");
            assertThat(result.stderr()).isEmpty();
        }
        assertThat(aotCaches()).containsExactly("version.aot");
        assertThat(leftoverTemporaries()).isEmpty();
        assertSilentVersion(env, launcher);
        assertThat(jvmArguments(env, launcher, "version")).as("version runs interpreted, from its AOT cache")
                .contains("-XX:AOTCache=", "-Xint");
        assertThat(listing(bundle)).isEqualTo(before);
    }

    /**
     * The launcher's two parts (docs/contract/invocation.md "Launcher"): the POSIX sh front starts the bundled
     * runtime itself once the family's AOT cache exists (no bash at all), and hands every run it does not decide
     * itself to the bash part: the training run, a password to hand over, a big --tgz. A `bash` on PATH that logs
     * each start tells them apart; the engine's answer is the same either way.
     */
    @Test
    void commonPathStartsJavaWithoutBashAndTheRestGoesThroughTheBashPart() throws Exception {
        Path bundle = extracted();
        List<String> before = listing(bundle);
        Path launcher = bundle.resolve("productive-k3s-infra.sh");
        Path bin = mkdirs(home.resolve("logging-bin"));
        Path log = home.resolve("bash-starts.log");
        Path bash = bin.resolve("bash");
        Files.writeString(bash, "#!/bin/sh\necho \"$*\" >> '" + log + "'\nexec '" + noJavaPath.resolve("bash").toRealPath() + "' \"$@\"\n");
        Files.setPosixFilePermissions(bash, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = directEnv();
        env.put("PATH", bin + ":" + noJavaPath);

        assertSilentVersion(env, launcher);
        assertThat(bashStarts(log)).as("the first run trains the family's AOT cache in the bash part").hasSize(1).first()
                .asString().endsWith("scripts/lib/pk3s-launcher.bash version");
        assertSilentVersion(env, launcher);
        assertThat(jvmArguments(env, launcher, "version")).as("version runs interpreted, from its AOT cache")
                .contains("-XX:AOTCache=", "-Xint");
        assertThat(bashStarts(log)).as("later runs: java straight from the front").hasSize(1);

        Path scripts = bundle.resolve("scripts/productive-k3s-infra.sh");
        Run alias = runEnv(home, env, 180, scripts.toString(), "version");
        assertThat(alias.exit()).as(alias.toString()).isZero();
        assertThat(alias.stdout()).isEqualTo(TAG + "\n");
        assertThat(bashStarts(log)).as("the scripts/ alias takes the same path").hasSize(1);

        Map<String, String> password = new LinkedHashMap<>(env);
        password.put("PGPASSWORD", "s3cret");
        Run handedOver = runEnv(home, password, 180, launcher.toString(), "version");
        assertThat(handedOver.exit()).as(handedOver.toString()).isZero();
        assertThat(handedOver.stdout()).isEqualTo(TAG + "\n");
        assertThat(bashStarts(log)).as("a password to hand over on fd 3: the bash part").hasSize(2);

        String tgz = Repo.root().resolve("examples/local-demo.tgz").toString();
        for (int run = 0; run < 2; run++) {
            Run validate = runEnv(home, env, 180, launcher.toString(), "profile", "validate", "--tgz", tgz);
            assertThat(validate.exit()).as(validate.toString()).isZero();
        }
        assertThat(bashStarts(log)).as("a small --tgz: trained once, then the front").hasSize(3);
        Path big = home.resolve("big.tgz");
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(8 << 20);
        }
        Run bigRun = runEnv(home, env, 180, launcher.toString(), "profile", "validate", "--tgz", big.toString(), "--debug");
        assertThat(bigRun.stderr()).as("C2 for a big package, chosen by the bash part").contains("-XX:TieredStopAtLevel=4")
                .doesNotContain("-Xint");
        assertThat(bashStarts(log)).hasSize(4);

        env.put("PK3S_INFRA_AOT_CACHE", "off");
        assertSilentVersion(env, launcher);
        assertThat(bashStarts(log)).as("the shipped archive: the front").hasSize(4);

        // an encrypted state move: C2 for the crypto classes only, through the bundle's directives
        Path key = home.resolve("state.key");
        Run keygen = runEnv(home, env, 180, launcher.toString(), "state", "keygen", "--output", key.toString());
        assertThat(keygen.exit()).as(keygen.toString()).isZero();
        Map<String, String> sealed = new LinkedHashMap<>(env);
        sealed.put("PK3S_STATE_ENCRYPTION_KEY_FILE", key.toString());
        sealed.put("PK3S_PROFILE_STATE_DIR", home.resolve("state").toString());
        Run pull = runEnv(home, sealed, 180, launcher.toString(), "state", "pull", "none", "--output",
                home.resolve("pulled").toString(), "--debug");
        assertThat(pull.stdout()).as(pull.toString()).isEmpty();   // no "compiler directives added"
        assertThat(pull.stderr()).as(pull.toString()).contains("ERROR no profile state for 'none'",
                "-XX:CompilerDirectivesFile=" + bundle.resolve("scripts/lib/pk3s-sealed-jit.json"), "-XX:-DisplayVMOutput")
                .doesNotContain("-XX:Tier3InvocationThreshold");
        assertThat(bashStarts(log)).as("an encrypted pull: the bash part reads the launcher hints").hasSize(5);
        Run rekey = runEnv(home, sealed, 180, launcher.toString(), "state", "rekey", "none", "--debug");
        assertThat(rekey.stdout()).as(rekey.toString()).isEmpty();
        assertThat(rekey.stderr()).as(rekey.toString()).contains(
                "-XX:CompilerDirectivesFile=" + bundle.resolve("scripts/lib/pk3s-sealed-jit.json"), "-XX:-DisplayVMOutput");
        assertThat(bashStarts(log)).as("any other encrypted move: from the front").hasSize(5);
        assertThat(listing(bundle)).isEqualTo(before);
    }

    private static List<String> bashStarts(Path log) throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    // ---- helpers ----

    /** The release archive unpacked into this test's home, times kept (as tar and the installer do). */
    private Path extracted() throws Exception {
        Run untar = run(home, Map.of(), 120, "tar", "-xzf", assets.resolve(ARCHIVE).toString(), "-C", home.toString());
        assertThat(untar.exit()).as(untar.toString()).isZero();
        return home.resolve(TOP);
    }

    /** The bundle's launcher run directly, with no Java on PATH and this test's cache directory. */
    private Map<String, String> directEnv() throws IOException {
        Map<String, String> env = installerEnv(home);
        env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
        return env;
    }

    private Path startupCache() {
        return home.resolve("cache/pk3s/startup");
    }

    /** File names of the AOT caches in this test's cache directory. */
    private List<String> aotCaches() throws IOException {
        if (!Files.isDirectory(startupCache())) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(startupCache())) {
            return files.map(p -> p.getFileName().toString()).filter(name -> name.endsWith(".aot")).sorted().toList();
        }
    }

    private Path aotCache(String name) throws IOException {
        try (Stream<Path> files = Files.walk(startupCache())) {
            return files.filter(p -> p.getFileName().toString().equals(name)).findFirst().orElseThrow();
        }
    }

    /** Temporary files of a cache being assembled ({@code <family>.aot.<pid>.tmp[.conf]}) left behind. */
    private List<String> leftoverTemporaries() throws IOException {
        try (Stream<Path> files = Files.walk(startupCache())) {
            return files.map(p -> p.getFileName().toString()).filter(name -> name.contains(".tmp")).toList();
        }
    }

    private void assertSilentVersion(Map<String, String> env, Path launcher) throws Exception {
        Run version = runEnv(home, env, 180, launcher.toString(), "version");
        assertThat(version.exit()).as(version.toString()).isZero();
        assertThat(version.stdout()).isEqualTo(TAG + "\n");
        assertThat(version.stderr()).isEmpty();
    }

    /** The JVM arguments the launcher gave the engine ({@code --debug} prints them). */
    private String jvmArguments(Map<String, String> env, Path launcher, String command) throws Exception {
        Run debug = runEnv(home, env, 180, launcher.toString(), command, "--debug");
        assertThat(debug.exit()).as(debug.toString()).isZero();
        return debug.stderr().lines().filter(line -> line.contains("DEBUG jvm: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no jvm debug line: " + debug));
    }

    private static void serve(byte[] archiveBytes, byte[] checksums) throws IOException {
        server.route(DOWNLOAD + "/" + TAG + "/" + ARCHIVE, Response.ok(archiveBytes));
        server.route(DOWNLOAD + "/" + TAG + "/checksums.txt", Response.ok(checksums));
    }

    private static int archiveDownloads() {
        return server.bodiesServed(DOWNLOAD + "/" + TAG + "/" + ARCHIVE);
    }

    /** The installer's cache entry of the served release: {@code <tag>-<first 16 hex of the archive's sha256>}. */
    private static String cacheEntry() {
        return TAG + "-" + firstBuildSha.substring(0, 16);
    }

    private static Path releases(Path home) {
        return home.resolve(".cache/productive-k3s/infra/releases");
    }

    /** Download, stale and temporary directories an installer left behind. */
    private static List<String> leftovers(Path home) throws IOException {
        List<String> left = new ArrayList<>();
        try (Stream<Path> entries = Files.list(releases(home))) {
            entries.map(p -> p.getFileName().toString()).filter(name -> name.startsWith(".download.") || name.startsWith(".stale.") || name.startsWith(".run."))
                    .forEach(left::add);
        }
        try (Stream<Path> tmp = Files.list(home.resolve("tmp"))) {
            tmp.map(p -> p.getFileName().toString()).filter(name -> name.startsWith("pk3s-infra-installer")).forEach(left::add);
        }
        return left;
    }

    private static Run version(Map<String, String> env, Path installer) {
        try {
            return runEnv(installer.getParent(), env, 300, "bash", installer.toString(), "version");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> installerEnv(Path home) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", noJavaPath.toString());
        env.put("HOME", home.toString());
        env.put("TMPDIR", mkdirs(home.resolve("tmp")).toString());
        env.put("LANG", "C.UTF-8");
        env.put("TELEMETRY_ENABLED", "false");
        env.put("TELEMETRY_ENDPOINT", "");
        env.put("PK3S_CATALOG_URLS", "http://127.0.0.1:9/catalogs/index.yaml");
        env.put("PRODUCTIVE_K3S_RELEASE_API_URL", "http://127.0.0.1:9");
        env.put("PK3S_INFRA_DOWNLOAD_BASE_URL", server.url(DOWNLOAD));
        return env;
    }

    /** A directory of symlinks to every command on this machine except Java and Maven tools. */
    private static Path pathWithoutJava(Path dir) throws IOException {
        Set<String> excluded = Set.of("java", "javac", "mvn", "mvnDebug", "jar", "jlink", "jshell", "jdeps", "javap");
        for (String entry : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path bin = Path.of(entry.isEmpty() ? "." : entry);
            if (!bin.isAbsolute() || !Files.isDirectory(bin)) {
                continue;
            }
            try (Stream<Path> tools = Files.list(bin)) {
                for (Path tool : tools.toList()) {
                    String name = tool.getFileName().toString();
                    Path link = dir.resolve(name);
                    if (excluded.contains(name) || Files.exists(link, LinkOption.NOFOLLOW_LINKS) || !Files.isExecutable(tool)
                            || Files.isDirectory(tool)) {
                        continue;
                    }
                    Path real = tool.toRealPath();
                    if (real.startsWith("/usr/lib/jvm") || real.toString().contains("maven")) {
                        continue;
                    }
                    Files.createSymbolicLink(link, real);
                }
            }
        }
        for (String needed : List.of("bash", "curl", "tar", "gzip", "sha256sum", "make", "mktemp")) {
            assertThat(dir.resolve(needed)).as("tool for the installer test: " + needed).exists();
        }
        assertThat(dir.resolve("java")).doesNotExist();
        return dir;
    }

    /** A copy of the work tree (without build output) committed to a fresh repository and tagged there. */
    /** Which entries of two release archives differ (name and the sha256 of each side), to say why they do. */
    private static List<String> differingEntries(Path one, Path two) throws Exception {
        Map<String, String> first = entryDigests(one);
        Map<String, String> second = entryDigests(two);
        Set<String> names = new TreeSet<>(first.keySet());
        names.addAll(second.keySet());
        List<String> differing = new ArrayList<>();
        for (String name : names) {
            if (!String.valueOf(first.get(name)).equals(String.valueOf(second.get(name)))) {
                differing.add(name + " " + first.get(name) + " " + second.get(name));
            }
        }
        return differing;
    }

    private static Map<String, String> entryDigests(Path archive) throws Exception {
        Map<String, String> digests = new LinkedHashMap<>();
        try (InputStream raw = Files.newInputStream(archive);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                digests.put(entry.getName(), sha256(tar.readAllBytes()).substring(0, 16) + " " + entry.getMode()
                        + " " + entry.getModTime().getTime());
            }
        }
        return digests;
    }

    private static byte[] entryBytes(Path archive, String suffix) throws Exception {
        try (InputStream raw = Files.newInputStream(archive);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.getName().endsWith(suffix)) {
                    return tar.readAllBytes();
                }
            }
        }
        throw new AssertionError("no " + suffix + " in " + archive);
    }

    private static Path throwawayRepository(Path dir) throws Exception {
        Path root = Repo.root();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.toList()) {
                Path rel = root.relativize(file);
                String first = rel.getNameCount() == 0 ? "" : rel.getName(0).toString();
                if (first.equals("target") || first.equals(".git") || first.equals(".idea")) {
                    continue;
                }
                Path target = dir.resolve(rel.toString());
                if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Map<String, String> git = Map.of("GIT_AUTHOR_NAME", "release-test", "GIT_AUTHOR_EMAIL", "release-test@localhost",
                "GIT_COMMITTER_NAME", "release-test", "GIT_COMMITTER_EMAIL", "release-test@localhost",
                "GIT_CONFIG_NOSYSTEM", "1", "HOME", dir.getParent().toString());
        for (String[] command : List.of(new String[] {"git", "init", "-q"}, new String[] {"git", "add", "-A"},
                new String[] {"git", "commit", "-q", "-m", "release test"}, new String[] {"git", "tag", TAG})) {
            Run result = run(dir, git, 120, command);
            assertThat(result.exit()).as(result.toString()).isZero();
        }
        return dir;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(p -> {
                try {
                    return dir.relativize(p) + " " + Files.size(p) + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis()
                            + " " + (Files.isSymbolicLink(p) ? "link" : PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).sorted().toList();
        }
    }

    private static Path mkdirs(Path dir) throws IOException {
        return Files.createDirectories(dir);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    record Run(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit=" + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    /** Runs with this process's environment plus {@code extra}. */
    private static Run run(Path cwd, Map<String, String> extra, int timeoutSeconds, String... argv) throws Exception {
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.putAll(extra);
        return runEnv(cwd, env, timeoutSeconds, argv);
    }

    /** Runs with exactly {@code env}. */
    private static Run runEnv(Path cwd, Map<String, String> env, int timeoutSeconds, String... argv) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(argv).directory(cwd.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.environment().put("PWD", cwd.toString());
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("did not finish within " + timeoutSeconds + " s: " + List.of(argv) + "\n" + err.getNow(""));
        }
        return new Run(process.exitValue(), out.get(), err.get());
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        // one thread per stream: the common pool may have a single worker on a 2-core machine
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, task -> new Thread(task, "drain").start());
    }
}
