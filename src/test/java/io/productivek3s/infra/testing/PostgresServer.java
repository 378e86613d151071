package io.productivek3s.infra.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server on 127.0.0.1 for the tests of the PostgreSQL state backend: {@code initdb} and
 * {@code pg_ctl} from PATH or {@code /usr/lib/postgresql/<version>/bin} (run as the {@code postgres} user when the
 * tests run as root, which PostgreSQL refuses), a random free port, a data directory in a temp dir, password
 * (scram-sha-256) authentication for TCP so the wrong-password tests are real. One server per test JVM, started on
 * first use and stopped by a shutdown hook; each test class takes its own database with {@link #createDatabase}. A
 * test that stops the server ({@link #stopServer}, {@link #startServer}) takes a {@link #dedicated} one instead, so the
 * shared server never goes away under another test.
 * It never skips: a machine without PostgreSQL fails these tests (.ci/run installs Debian's postgresql package).
 */
public final class PostgresServer {
    public static final String USER = "pk3s_test";
    public static final String PASSWORD = "Pk3s-test-pw-7f3a9c";
    private static final String SUPERUSER_PASSWORD = "Pk3s-super-pw-41b2";

    private final Path base;
    private final Path data;
    private final Path bin;
    private final boolean asPostgres;
    private final int port;
    private final AtomicInteger databases = new AtomicInteger();
    /** Only a dedicated server may be stopped by a test. */
    private volatile boolean dedicated;

    private static final class Holder {
        static final PostgresServer INSTANCE = start();
    }

    /** The per-JVM server, started on first use. */
    public static PostgresServer shared() {
        return Holder.INSTANCE;
    }

    /** A server of the calling test's own (on its own port and data dir), removed when the JVM exits. */
    public static PostgresServer dedicated() {
        PostgresServer server = start();
        server.dedicated = true;
        return server;
    }

    private PostgresServer(Path base, Path bin, boolean asPostgres, int port) {
        this.base = base;
        this.data = base.resolve("data");
        this.bin = bin;
        this.asPostgres = asPostgres;
        this.port = port;
    }

    public int port() {
        return port;
    }

    /** A new empty database owned by {@link #USER}, named after {@code hint}. */
    public String createDatabase(String hint) {
        String name = "pk3s_" + hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_") + "_"
                + databases.incrementAndGet();
        admin("CREATE DATABASE " + name + " OWNER " + USER);
        return name;
    }

    /** {@code postgresql://pk3s_test@127.0.0.1:<port>/<database>} (the password comes from PGPASSWORD or .pgpass). */
    public String url(String database) {
        return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + database;
    }

    /** A JDBC connection as the test role, for assertions on the stored rows. */
    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", PASSWORD);
        return new org.postgresql.Driver().connect("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
    }

    /** Runs one statement as the superuser (e.g. to terminate a backend). */
    public void admin(String sql) {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", SUPERUSER_PASSWORD);
        try (Connection c = new org.postgresql.Driver().connect("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL test server: " + sql + ": " + e.getMessage(), e);
        }
    }

    private static PostgresServer start() {
        Path bin = findBin();
        boolean root = "root".equals(System.getProperty("user.name"));
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Path base = Files.createTempDirectory("pk3s-pg-test-");
                Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
                PostgresServer server = new PostgresServer(base, bin, root, freePort());
                server.initAndStart();
                Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "pk3s-pg-test-stop"));
                return server;
            } catch (IOException | IllegalStateException e) {
                last = e instanceof IllegalStateException ise ? ise : new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("could not start the PostgreSQL test server (CI installs Debian's postgresql"
                + " package; see .ci/run): " + last.getMessage(), last);
    }

    private void initAndStart() throws IOException {
        Path pw = base.resolve("superuser.pw");
        Files.writeString(pw, SUPERUSER_PASSWORD + "\n");
        if (asPostgres) {
            run(List.of("chown", "postgres:", base.toString(), pw.toString()), false);
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--pwfile=" + pw,
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"), true);
        startServer();
        admin("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
    }

    /** Starts the (stopped) server again on the same port and data directory; returns once it accepts connections. */
    public void startServer() {
        Path log = base.resolve("server.log");
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", log.toString(), "-w", "-t", "60",
                    "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + base + " -c fsync=off"
                            + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start"), true);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops the server for real ({@code pg_ctl stop -m fast}: open sessions are terminated, new ones refused), as an
     * administrator or a crash would. Only on a {@link #dedicated} server.
     */
    public void stopServer() {
        if (!dedicated) {
            throw new IllegalStateException("the shared PostgreSQL test server is never stopped by a test; use dedicated()");
        }
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop"),
                    true);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Kills the server as a crash or the OOM killer would: SIGKILL to the postmaster and every process it started
     * (it is frozen first, so it forks nothing in between), no shutdown, no checkpoint; open connections are cut
     * without a word. {@link #startServer} then runs crash recovery. Only on a {@link #dedicated} server.
     */
    public void killServer() {
        if (!dedicated) {
            throw new IllegalStateException("the shared PostgreSQL test server is never killed by a test; use dedicated()");
        }
        try {
            long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
            ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow(
                    () -> new IllegalStateException("the PostgreSQL test server (pid " + pid + ") is not running"));
            Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(pid)).inheritIO().start();
            if (stop.waitFor() != 0) {
                throw new IllegalStateException("kill -STOP " + pid + " failed");
            }
            List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
            all.add(postmaster);
            all.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle p : all) {
                p.onExit().get(60, TimeUnit.SECONDS);
            }
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not kill the PostgreSQL test server: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void stop() {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"), true);
        } catch (IOException | RuntimeException ignored) {
            // the JVM is exiting; the temp dir is removed below either way
        }
        try (Stream<Path> walk = Files.walk(base)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort in a temp dir
        }
    }

    private void run(List<String> command, boolean postgresUser) throws IOException {
        List<String> argv = new ArrayList<>();
        if (postgresUser && asPostgres) {
            argv.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        argv.addAll(command);
        Path out = Files.createTempFile("pk3s-pg-cmd-", ".log");
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                    .directory(base.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", argv) + " did not finish in 120 s");
            }
            if (p.exitValue() != 0) {
                String log = Files.readString(out, StandardCharsets.UTF_8);
                Path serverLog = base.resolve("server.log");
                if (Files.isReadable(serverLog)) {
                    log += "\n" + Files.readString(serverLog, StandardCharsets.UTF_8);
                }
                throw new IllegalStateException(String.join(" ", argv) + " exited " + p.exitValue() + ": " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** {@code initdb}'s directory: PATH first, else the newest /usr/lib/postgresql/<version>/bin. */
    public static Path findBin() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "initdb");
            if (Files.isExecutable(candidate)) {
                try {
                    return candidate.toRealPath().getParent();
                } catch (IOException e) {
                    return candidate.getParent();
                }
            }
        }
        Path lib = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(lib)) {
            try (Stream<Path> versions = Files.list(lib)) {
                return versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparingInt(PostgresServer::version))
                        .orElseThrow(() -> new IllegalStateException("no initdb under " + lib));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("PostgreSQL server binaries (initdb, pg_ctl) not found in PATH or under "
                + lib + "; install Debian's postgresql package (.ci/run does)");
    }

    private static int version(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
