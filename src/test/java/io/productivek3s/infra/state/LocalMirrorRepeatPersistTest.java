package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.state.EngineState.Result;
import io.productivek3s.infra.state.backends.StateBackends;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repeat persist of a mostly unchanged runtime tree (docs/state.md "The local mirror"): the mirror's unchanged
 * files are kept (same inode, same mtime, not hashed again), a changed one is replaced, and the mirror's own files are
 * trusted only by content, never by a record, an mtime or a path through a link.
 */
class LocalMirrorRepeatPersistTest {
    private static final String NAME = "repeat";
    private static final int FILES = 40;
    private static final Pattern FROM_MEMO = Pattern.compile("state: persisted revision \\d+ of '" + NAME
            + "' \\((\\d+) files, \\d+ bytes; (\\d+) digests from the memo\\)");

    @TempDir
    Path tmp;

    Path stateDir;
    Path runtime;
    StateStore store;
    final List<String> warnings = new ArrayList<>();
    final List<String> debug = new ArrayList<>();
    int runs;

    @BeforeEach
    void setUp() throws IOException {
        stateDir = Files2.createPrivateDirectories(tmp.resolve("state"));
        runtime = stateDir.resolve(NAME + ".runtime");
        store = StateBackends.local(stateDir, 20, warnings::add, debug::add);
        Path first = scenario();
        for (int i = 0; i < FILES; i++) {
            write(first.resolve("generated/d" + (i % 4) + "/f" + i + ".yaml"), "key: value-" + i + "\n");
        }
        // With a key, so that the capture sets ssh.key_path: already set to the same path, the file is kept too.
        write(first.resolve("generated/cluster.json"), Files.readString(io.productivek3s.infra.testing.Repo.fixture(
                "productive-k3s-infra/test-fixtures/cluster.multipass.json")));
        write(first.resolve("generated/ssh/id_ed25519"), "PRIVATE\n");
        write(first.resolve("opentofu/terraform.tfstate"), "{\"serial\": 1}\n");
        store.persist(NAME, first, LocalMirrorTest.metadata(Result.SUCCESS));
    }

    @Test
    void anUnchangedTreeKeepsEveryMirrorFileUntouchedAndHashesNoneOfThemAgain() throws IOException {
        Map<String, Object> before = identities(runtime);

        run(scenario -> { });

        Map<String, Object> after = identities(runtime);
        before.remove("engine-state.json");   // new each run: the run's time and result
        after.remove("engine-state.json");
        assertThat(after).isEqualTo(before);
        assertThat(linkCounts(runtime)).containsOnly(1);
        assertThat(fromMemo()).isEqualTo(FILES + 3);   // every file but the new engine-state.json
        assertMirrorIsTheRevision();
        assertThat(warnings).isEmpty();
    }

    @Test
    void oneChangedFileIsTheOnlyOneRewritten() throws IOException {
        Map<String, Object> before = identities(runtime);

        run(scenario -> write(scenario.resolve("generated/d1/f5.yaml"), "key: changed\n"));

        Map<String, Object> after = identities(runtime);
        assertThat(Files.readString(runtime.resolve("generated/d1/f5.yaml"))).isEqualTo("key: changed\n");
        List<String> rewritten = before.keySet().stream().filter(p -> !before.get(p).equals(after.get(p))).toList();
        assertThat(rewritten).containsExactlyInAnyOrder("generated/d1/f5.yaml", "engine-state.json");
        assertThat(linkCounts(runtime)).containsOnly(1);
        assertMirrorIsTheRevision();
    }

    @Test
    void aMirrorFileEditedByHandWithItsMtimePutBackIsReplacedByWhatTheRunLeft() throws IOException {
        Path edited = runtime.resolve("generated/d2/f6.yaml");
        String original = Files.readString(edited);
        FileTime mtime = Files.getLastModifiedTime(edited);

        run(scenario -> {
            // After the restore: the run holds the original, the mirror a same-size edit with the old mtime.
            Files.writeString(edited, original.replace("value", "VALUE"));
            Files.setLastModifiedTime(edited, mtime);
        });

        assertThat(Files.readString(edited)).isEqualTo(original);
        assertMirrorIsTheRevision();
    }

    @Test
    void noFileIsKeptThroughALinkInTheMirror() throws IOException {
        // The mirror's directory moved out and replaced by a link to it: the files' identities are unchanged, so the
        // memo still vouches for them, but the tree no longer holds them.
        Path outside = tmp.resolve("outside-d3");
        Files.move(runtime.resolve("generated/d3"), outside);
        Files.createSymbolicLink(runtime.resolve("generated/d3"), outside);

        run(s -> {
            // The restore skipped the link (it leaves the tree, with a WARN); the run writes the same files again.
            for (int i = 3; i < FILES; i += 4) {
                write(s.resolve("generated/d3/f" + i + ".yaml"), "key: value-" + i + "\n");
            }
        });

        assertThat(Files.isDirectory(runtime.resolve("generated/d3"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        for (int i = 3; i < FILES; i += 4) {
            Path outsideFile = outside.resolve("f" + i + ".yaml");
            assertThat(Files.getAttribute(outsideFile, "unix:nlink")).isEqualTo(1);
            assertThat(Files.getAttribute(runtime.resolve("generated/d3/f" + i + ".yaml"), "unix:ino"))
                    .isNotEqualTo(Files.getAttribute(outsideFile, "unix:ino"));
        }
        assertMirrorIsTheRevision();
    }

    @Test
    void anUnchangedStatusDiscardsItsStagingAndTheNextPersistStillKeepsTheFiles() throws IOException {
        Map<String, Object> before = identities(runtime);
        Path scenario = scenario();
        store.restore(NAME, scenario);
        Optional<PersistResult> status = store.persistIfChanged(NAME, scenario,
                LocalMirrorTest.metadata(Result.SUCCESS));
        store.release(NAME, scenario);
        assertThat(status).isEmpty();
        assertThat(identities(runtime)).isEqualTo(before);
        assertThat(linkCounts(runtime)).containsOnly(1);

        run(s -> { });

        Map<String, Object> after = identities(runtime);
        before.remove("engine-state.json");
        after.remove("engine-state.json");
        assertThat(after).isEqualTo(before);
        assertThat(fromMemo()).isEqualTo(FILES + 3);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    interface Edit {
        void apply(Path scenario) throws IOException;
    }

    /** One run as PackageRunner does it: restore into a fresh scenario, the scenario's work, persist, release. */
    private void run(Edit edit) throws IOException {
        Path scenario = scenario();
        store.restore(NAME, scenario);
        edit.apply(scenario);
        debug.clear();
        store.persist(NAME, scenario, LocalMirrorTest.metadata(Result.SUCCESS));
        store.release(NAME, scenario);
    }

    private Path scenario() throws IOException {
        return Files.createDirectories(tmp.resolve("run-" + (++runs) + "/scenario"));
    }

    private long fromMemo() {
        return debug.stream().map(FROM_MEMO::matcher).filter(Matcher::find).mapToLong(m -> Long.parseLong(m.group(2)))
                .findFirst().orElseThrow();
    }

    /** The mirror holds exactly the tree the newest revision records. */
    private void assertMirrorIsTheRevision() throws IOException {
        List<RevisionInfo> history = store.history(NAME);
        RevisionInfo newest = history.get(history.size() - 1).revision() > history.get(0).revision()
                ? history.get(history.size() - 1) : history.get(0);
        assertThat(TreeManifest.scan(runtime, TreeManifest.KnownDigests.NONE).digest()).isEqualTo(newest.treeSha256());
    }

    /** Inode and mtime of every regular file, by path relative to {@code root}. */
    private static Map<String, Object> identities(Path root) throws IOException {
        Map<String, Object> ids = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                ids.put(root.relativize(f).toString(), List.of(Files.getAttribute(f, "unix:ino"),
                        Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS)));
            }
        }
        return ids;
    }

    private static List<Object> linkCounts(Path root) throws IOException {
        List<Object> counts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                counts.add(Files.getAttribute(f, "unix:nlink"));
            }
        }
        return counts;
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }
}
