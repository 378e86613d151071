package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirResolverTest {
    @TempDir
    Path tmp;

    Path caller;
    Path home;
    Path tmpdir;
    long uid;
    final Map<String, String> env = new HashMap<>();
    final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        caller = Files.createDirectories(tmp.resolve("caller"));
        home = Files.createDirectories(tmp.resolve("home"));
        tmpdir = Files.createDirectories(tmp.resolve("tmpdir"));
        uid = StateDirResolver.currentUid();
        env.put("HOME", home.toString());
        env.put("TMPDIR", tmpdir.toString());
    }

    private Path resolve() {
        return new StateDirResolver(env, caller, warnings::add).resolve();
    }

    private static String fallback(Path skipped, Path used) {
        return "state directory " + skipped + " is not writable; using " + used
                + " (pk3s may not find this state; set PK3S_PROFILE_STATE_DIR)";
    }

    /** A location that cannot be created even by root: its parent is a regular file. */
    private Path underAFile(String name) throws IOException {
        return Files.writeString(tmp.resolve(name), "not a directory").resolve("cache");
    }

    // ---- order ---------------------------------------------------------------------------------------------

    @Test
    void explicitDirWinsAndIsCreatedPrivate() throws IOException {
        Path explicit = tmp.resolve("explicit/state");
        env.put("PK3S_PROFILE_STATE_DIR", explicit.toString());
        env.put("XDG_CACHE_HOME", tmp.resolve("xdg").toString());

        assertThat(resolve()).isEqualTo(explicit);
        assertThat(LocalMirrorTest.mode(explicit)).isEqualTo("rwx------");
        assertThat(LocalMirrorTest.mode(explicit.getParent())).isEqualTo("rwx------");
        assertThat(tmp.resolve("xdg")).doesNotExist();
        assertThat(warnings).isEmpty();
    }

    @Test
    void relativeExplicitDirIsTakenAgainstTheCallerDirectory() {
        env.put("PK3S_PROFILE_STATE_DIR", "./my-state/../state");
        assertThat(resolve()).isEqualTo(caller.resolve("state")).isDirectory();
    }

    @Test
    void explicitDirThatCannotBeCreatedIsExitFour() throws IOException {
        Path impossible = underAFile("file");
        env.put("PK3S_PROFILE_STATE_DIR", impossible.toString());
        assertThatThrownBy(this::resolve)
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(EngineException.INVALID))
                .hasMessageStartingWith("cannot create profile state directory " + impossible + ": ")
                .hasMessageNotContaining("\n");
    }

    @Test
    void xdgCacheHomeIsUsedWhenCreatable() {
        Path xdg = tmp.resolve("xdg");
        env.put("XDG_CACHE_HOME", xdg.toString());
        assertThat(resolve()).isEqualTo(xdg.resolve("pk3s/profiles")).isDirectory();
        assertThat(home.resolve(".cache")).doesNotExist();
        assertThat(warnings).isEmpty();
    }

    @Test
    void emptyVariablesCountAsUnset() {
        env.put("PK3S_PROFILE_STATE_DIR", "");
        env.put("XDG_CACHE_HOME", "");
        assertThat(resolve()).isEqualTo(home.resolve(".cache/pk3s/profiles"));
        assertThat(warnings).isEmpty();
    }

    @Test
    void uncreatableXdgFallsBackToHomeWithTheFallbackWarning() throws IOException {
        Path xdg = underAFile("xdg-file");
        env.put("XDG_CACHE_HOME", xdg.toString());

        Path dir = resolve();

        assertThat(dir).isEqualTo(home.resolve(".cache/pk3s/profiles"));
        assertThat(warnings).containsExactly(fallback(xdg.resolve("pk3s/profiles"), dir));
    }

    @Test
    void readOnlyXdgFallsBackToHome() throws IOException, InterruptedException {
        Path xdg = Files.createDirectories(tmp.resolve("xdg-ro"));
        try (ReadOnlyDir readOnly = ReadOnlyDir.of(xdg)) {
            assertThat(Files.isWritable(readOnly.dir())).as("%s is read-only for this user", readOnly.dir()).isFalse();
            env.put("XDG_CACHE_HOME", readOnly.dir().toString());
            Path dir = resolve();
            assertThat(dir).isEqualTo(home.resolve(".cache/pk3s/profiles"));
            assertThat(warnings).containsExactly(fallback(readOnly.dir().resolve("pk3s/profiles"), dir));
        }
    }

    /**
     * A directory this user cannot write: mode bits for a normal user; for root (CI), whom mode bits do not stop,
     * the immutable attribute ({@code chattr +i}) on the same directory, else a procfs directory, which refuses new
     * entries to root as well.
     */
    private record ReadOnlyDir(Path dir, Runnable undo) implements AutoCloseable {
        static ReadOnlyDir of(Path dir) throws IOException, InterruptedException {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
            Runnable restore = () -> {
                try {
                    Files.setPosixFilePermissions(dir, Files2.DIR_PRIVATE);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            if (!Files.isWritable(dir)) {
                return new ReadOnlyDir(dir, restore);
            }
            restore.run();
            if (chattr("+i", dir) && !Files.isWritable(dir)) {
                return new ReadOnlyDir(dir, () -> {
                    try {
                        chattr("-i", dir);
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            return new ReadOnlyDir(Path.of("/proc/sys/kernel"), () -> { });
        }

        private static boolean chattr(String flag, Path dir) throws IOException, InterruptedException {
            try {
                Process p = new ProcessBuilder("chattr", flag, dir.toString()).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                return p.waitFor() == 0;
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void close() {
            undo.run();
        }
    }

    @Test
    void homeCacheIsCreatedPrivateWhenMissing() throws IOException {
        Path dir = resolve();
        assertThat(dir).isEqualTo(home.resolve(".cache/pk3s/profiles")).isDirectory();
        assertThat(LocalMirrorTest.mode(home.resolve(".cache"))).isEqualTo("rwx------");
        assertThat(LocalMirrorTest.mode(dir)).isEqualTo("rwx------");
    }

    @Test
    void existingHomeCacheKeepsItsMode() throws IOException {
        Files.createDirectories(home.resolve(".cache"));
        Files.setPosixFilePermissions(home.resolve(".cache"), PosixFilePermissions.fromString("rwxr-xr-x"));
        resolve();
        assertThat(LocalMirrorTest.mode(home.resolve(".cache"))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void missingHomeFallsBackToThePrivateTmpLocation() {
        Path missing = tmp.resolve("no-such-home");
        env.put("HOME", missing.toString());

        Path dir = resolve();

        assertThat(dir).isEqualTo(tmpdir.resolve("pk3s-" + uid).resolve("profiles"));
        assertThat(missing).doesNotExist();
        assertThat(warnings).containsExactly(fallback(missing.resolve(".cache/pk3s/profiles"), dir));
    }

    @Test
    void bothPk3sLocationsSkippedGiveOneWarningEach() throws IOException {
        Path xdg = underAFile("xdg-file");
        env.put("XDG_CACHE_HOME", xdg.toString());
        Files.writeString(home.resolve(".cache"), "a file where the cache dir should be");

        Path dir = resolve();

        assertThat(dir).isEqualTo(tmpdir.resolve("pk3s-" + uid + "/profiles"));
        assertThat(LocalMirrorTest.mode(dir)).isEqualTo("rwx------");
        assertThat(LocalMirrorTest.mode(dir.getParent())).isEqualTo("rwx------");
        assertThat(warnings).containsExactly(fallback(xdg.resolve("pk3s/profiles"), dir),
                fallback(home.resolve(".cache/pk3s/profiles"), dir));
    }

    @Test
    void withoutHomeTheTmpLocationNeedsNoWarning() {
        env.remove("HOME");
        assertThat(resolve()).isEqualTo(tmpdir.resolve("pk3s-" + uid + "/profiles"));
        assertThat(warnings).isEmpty();
    }

    @Test
    void lastResortRefusesAPerUserDirThatIsNotOurs() throws IOException {
        env.remove("HOME");
        Path target = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(tmpdir.resolve("pk3s-" + uid), target);
        assertUnsafe(tmpdir.resolve("pk3s-" + uid));

        Files.delete(tmpdir.resolve("pk3s-" + uid));
        Files.createDirectory(tmpdir.resolve("pk3s-" + uid));
        StateDirResolver otherUser = new StateDirResolver(env, caller, warnings::add, () -> uid + 1);
        assertThatThrownBy(otherUser::resolve).hasMessage("unsafe profile state directory: "
                + tmpdir.resolve("pk3s-" + (uid + 1)));
    }

    // ---- safety --------------------------------------------------------------------------------------------

    @Test
    void worldWritableWithoutStickyIsUnsafe() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("shared-state"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        env.put("PK3S_PROFILE_STATE_DIR", dir.toString());
        assertUnsafe(dir);
    }

    @Test
    void worldWritableWithStickyIsAcceptedWithAGroupWarning() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sticky-state"));
        Files.setAttribute(dir, "unix:mode", 01777);
        env.put("PK3S_PROFILE_STATE_DIR", dir.toString());
        assertThat(resolve()).isEqualTo(dir);
        assertThat(warnings).singleElement().asString().contains(dir.toString()).contains("group-writable");
    }

    @Test
    void groupWritableIsAWarning() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("group-state"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        env.put("PK3S_PROFILE_STATE_DIR", dir.toString());
        assertThat(resolve()).isEqualTo(dir);
        assertThat(warnings).containsExactly(
                "profile state directory " + dir + " is group-writable; consider chmod 700 " + dir);
    }

    @Test
    void dirOwnedByAnotherUserIsUnsafe() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("theirs"));
        env.put("PK3S_PROFILE_STATE_DIR", dir.toString());
        StateDirResolver resolver = new StateDirResolver(env, caller, warnings::add, () -> uid + 1);
        assertThatThrownBy(resolver::resolve)
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(EngineException.INVALID))
                .hasMessage("unsafe profile state directory: " + dir);
    }

    @Test
    void pk3sLocationsAreCheckedToo() throws IOException {
        Path profiles = Files.createDirectories(home.resolve(".cache/pk3s/profiles"));
        Files.setPosixFilePermissions(profiles, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertUnsafe(profiles);
    }

    @Test
    void currentUidMatchesTheOwnerOfAFileWeCreate() throws IOException {
        Path mine = Files.createFile(tmp.resolve("mine"));
        assertThat(StateDirResolver.currentUid()).isEqualTo(((Number) Files.getAttribute(mine, "unix:uid")).longValue());
    }

    private void assertUnsafe(Path dir) {
        assertThatThrownBy(this::resolve)
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(EngineException.INVALID))
                .hasMessage("unsafe profile state directory: " + dir);
    }
}
