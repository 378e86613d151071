package io.productivek3s.infra.state;

import io.productivek3s.infra.state.backends.StateBackends;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.EngineState.Result;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pair {@code pk3s} reads, as the local backend keeps it through {@link LocalMirror}: what a persist publishes
 * ({@code <name>.json} with its key path, {@code <name>.runtime/}, modes, links), what a restore brings back, the
 * commit journal and recovery after a crash, removal, names, and lock waiting.
 */
class LocalMirrorTest {
    private static final String NAME = "multipass-1";
    private static final String STALE = "0123456789abcdef";

    @TempDir
    Path tmp;

    Path stateDir;
    Path scenario;
    final List<String> warnings = new ArrayList<>();
    StateStore store;

    @BeforeEach
    void setUp() throws IOException {
        stateDir = Files2.createPrivateDirectories(tmp.resolve("state"));
        scenario = Files.createDirectories(tmp.resolve("run/scenario"));
        store = StateBackends.local(stateDir, 20, warnings::add, d -> { });
    }

    // ---- persist -------------------------------------------------------------------------------------------

    @Test
    void persistPublishesClusterJsonWithKeyPathAndTheRuntimeTree() throws IOException {
        Path original = io.productivek3s.infra.testing.Repo.fixture("productive-k3s-infra/test-fixtures/cluster.multipass.json");
        generated("cluster.json", Files.readString(original));
        generated("ssh/id_ed25519", "PRIVATE");
        generated("ssh/id_ed25519.pub", "PUBLIC");
        generated("hosts.yml", "all: {}\n");
        generated("logs/install.log", "log\n");

        PersistResult result = store.persist(NAME, scenario, metadata(Result.SUCCESS));

        Path runtime = stateDir.resolve(NAME + ".runtime");
        Path clusterFile = stateDir.resolve(NAME + ".json");
        assertThat(result.clusterFile()).contains(clusterFile);
        assertThat(result.runtimeDir()).isEqualTo(runtime);
        long bytes;
        try (var files = Files.walk(runtime)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        assertThat(result.revision()).hasValueSatisfying(revision -> {   // its size feeds the launcher hints
            assertThat(revision.revision()).isEqualTo(1);
            assertThat(revision.bytes()).isEqualTo(bytes).isPositive();
        });
        assertThat(store.clusterFile(NAME)).isEqualTo(clusterFile);
        assertThat(store.runtimeDir(NAME)).isEqualTo(runtime);

        String keyPath = runtime.resolve("generated/ssh/id_ed25519").toString();
        JsonNode published = Json.parse(Files.readString(clusterFile));
        assertThat(published.get("ssh").get("key_path").asText()).isEqualTo(keyPath);
        assertThat(Files.readString(runtime.resolve("generated/ssh/id_ed25519"))).isEqualTo("PRIVATE");
        assertThat(Files.readString(runtime.resolve("generated/cluster.json"))).isEqualTo(Files.readString(clusterFile));
        ((com.fasterxml.jackson.databind.node.ObjectNode) published).remove("ssh");
        assertThat(published).isEqualTo(Json.parse(Files.readString(original)));
        assertThat(Files.readString(runtime.resolve("generated/logs/install.log"))).isEqualTo("log\n");
        assertThat(store.readEngineState(NAME)).contains(metadata(Result.SUCCESS));
        assertThat(warnings).isEmpty();
        assertThat(visible(stateDir)).containsExactlyInAnyOrder(NAME + ".json", NAME + ".runtime");
    }

    @Test
    void keyPathRewriteKeepsStringPortAndKeyOrder() throws IOException {
        generated("cluster.json", Files.readString(io.productivek3s.infra.testing.Repo.fixture("productive-k3s-infra/test-fixtures/cluster.remote-compact.json")));
        generated("ssh/id_ed25519", "K");

        store.persist(NAME, scenario, metadata(Result.SUCCESS));

        String text = Files.readString(stateDir.resolve(NAME + ".json"));
        JsonNode ssh = Json.parse(text).get("ssh");
        assertThat(ssh.get("port").isTextual()).isTrue();
        assertThat(ssh.get("port").asText()).isEqualTo("2222");
        assertThat(text).containsSubsequence("\"server\"", "\"server_url\"", "\"telemetry\"", "\"ssh\"", "\"user\"",
                "\"port\"", "\"key_path\"", "\"extra_opts\"", "\"agents\"", "\"nodes\"");
    }

    @Test
    void withoutPrivateKeyClusterJsonIsCopiedByteForByte() throws IOException {
        String compact = Files.readString(io.productivek3s.infra.testing.Repo.fixture("productive-k3s-infra/test-fixtures/cluster.remote-compact.json"));
        generated("cluster.json", compact);

        store.persist(NAME, scenario, metadata(Result.SUCCESS));

        assertThat(Files.readString(stateDir.resolve(NAME + ".json"))).isEqualTo(compact);
        assertThat(Files.readString(stateDir.resolve(NAME + ".runtime/generated/cluster.json"))).isEqualTo(compact);
    }

    @Test
    void invalidClusterJsonIsKeptIntactWithAWarning() throws IOException {
        generated("cluster.json", "{\"ssh\": {\"user\": \"ubuntu\",");
        generated("ssh/id_ed25519", "K");

        PersistResult result = store.persist(NAME, scenario, metadata(Result.SUCCESS));

        assertThat(result.clusterFile()).isPresent();
        assertThat(Files.readString(stateDir.resolve(NAME + ".json"))).isEqualTo("{\"ssh\": {\"user\": \"ubuntu\",");
        assertThat(Files.readString(stateDir.resolve(NAME + ".runtime/generated/cluster.json")))
                .isEqualTo("{\"ssh\": {\"user\": \"ubuntu\",");
        assertThat(warnings).singleElement().asString().contains("cluster.json").contains("unchanged");
    }

    @Test
    void statePermissionsArePrivate() throws IOException {
        generated("cluster.json", "{}");
        generated("ssh/id_ed25519", "K");
        Path script = generated("bin/refresh.sh", "#!/bin/sh\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(scenario.resolve("generated/ssh/id_ed25519"),
                PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(scenario.resolve("generated/bin"), PosixFilePermissions.fromString("rwxrwxrwx"));
        tofu(".terraform.lock.hcl", "lock");

        store.persist(NAME, scenario, metadata(Result.SUCCESS));

        Path runtime = stateDir.resolve(NAME + ".runtime");
        assertThat(mode(stateDir.resolve(NAME + ".json"))).isEqualTo("rw-------");
        assertThat(mode(runtime.resolve("engine-state.json"))).isEqualTo("rw-------");
        try (Stream<Path> all = Files.walk(runtime)) {
            for (Path p : all.toList()) {
                String expected = Files.isDirectory(p) || p.getFileName().toString().equals("refresh.sh")
                        ? "rwx------" : "rw-------";
                assertThat(mode(p)).as(p.toString()).isEqualTo(expected);
            }
        }
    }

    @Test
    void symlinksInsideAreKeptAndOutsideAreSkipped() throws IOException {
        generated("cluster.json", "{}");
        generated("logs/run-1.log", "one");
        Path outside = Files.writeString(tmp.resolve("secret.txt"), "outside");
        Path gen = scenario.resolve("generated");
        Files.createSymbolicLink(gen.resolve("latest.log"), Path.of("logs/run-1.log"));
        Files.createSymbolicLink(gen.resolve("absolute.log"), gen.resolve("logs/run-1.log").toAbsolutePath());
        Files.createSymbolicLink(gen.resolve("escape"), outside);
        Files.createSymbolicLink(gen.resolve("logs/up"), Path.of("../../../secret.txt"));

        store.persist(NAME, scenario, metadata(Result.SUCCESS));

        Path saved = stateDir.resolve(NAME + ".runtime/generated");
        assertThat(Files.isSymbolicLink(saved.resolve("latest.log"))).isTrue();
        assertThat(Files.readSymbolicLink(saved.resolve("latest.log"))).isEqualTo(Path.of("logs/run-1.log"));
        assertThat(Files.readSymbolicLink(saved.resolve("absolute.log"))).isEqualTo(Path.of("logs/run-1.log"));
        assertThat(Files.readString(saved.resolve("absolute.log"))).isEqualTo("one");
        assertThat(saved.resolve("escape")).doesNotExist();
        assertThat(Files.exists(saved.resolve("escape"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(saved.resolve("logs/up"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(warnings).hasSize(2).allSatisfy(w -> assertThat(w).contains("points outside"));
    }

    @Test
    void persistWithoutGeneratedCreatesRuntimeAndKeepsOldClusterFile() throws IOException {
        Path clusterFile = Files.writeString(stateDir.resolve(NAME + ".json"), "{\"old\": true}");

        PersistResult result = store.persist(NAME, scenario, metadata(Result.FAILED));

        assertThat(result.clusterFile()).isEmpty();
        assertThat(Files.readString(clusterFile)).isEqualTo("{\"old\": true}");
        assertThat(names(result.runtimeDir())).containsExactly("engine-state.json");
        assertThat(mode(result.runtimeDir())).isEqualTo("rwx------");
        assertThat(store.readEngineState(NAME).orElseThrow().lastAction().result()).isEqualTo(Result.FAILED);
    }

    @Test
    void persistCreatesAMissingStateDir() throws IOException {
        StateStore fresh = StateBackends.local(tmp.resolve("new/state"), 20, warnings::add, d -> { });
        generated("cluster.json", "{}");
        fresh.persist(NAME, scenario, metadata(Result.SUCCESS));
        assertThat(tmp.resolve("new/state/" + NAME + ".json")).isRegularFile();
        assertThat(mode(tmp.resolve("new/state"))).isEqualTo("rwx------");
    }

    @Test
    void persistReplacesThePreviousTreeCompletely() throws IOException {
        generated("cluster.json", "{}");
        generated("old-only.txt", "x");
        store.persist(NAME, scenario, metadata(Result.SUCCESS));
        Files.delete(scenario.resolve("generated/old-only.txt"));
        generated("new-only.txt", "y");

        store.persist(NAME, scenario, metadata(Result.FAILED));

        Path saved = stateDir.resolve(NAME + ".runtime/generated");
        assertThat(names(saved)).containsExactlyInAnyOrder("cluster.json", "new-only.txt");
        assertThat(visible(stateDir)).containsExactlyInAnyOrder(NAME + ".json", NAME + ".runtime");
    }

    // ---- restore -------------------------------------------------------------------------------------------

    @Test
    void roundTripRestoresGeneratedAndOpenTofuItems() throws IOException {
        generated("cluster.json", Files.readString(io.productivek3s.infra.testing.Repo.fixture("productive-k3s-infra/test-fixtures/cluster.remote.json")));
        generated("ssh/id_ed25519", "K");
        generated("server-token.txt", "token");
        tofu("terraform.tfstate", "{\"serial\": 3}");
        tofu("terraform.tfstate.backup", "{\"serial\": 2}");
        tofu(".terraform.lock.hcl", "provider lock");
        tofu(".terraform/terraform.tfstate", "backend");
        Path provider = tofu(".terraform/providers/registry.opentofu.org/hashicorp/aws/5.0.0/linux_amd64/bin", "ELF");
        Files.setPosixFilePermissions(provider, PosixFilePermissions.fromString("rwxr-xr-x"));
        tofu("main.tf", "# package file, not state");
        store.persist(NAME, scenario, metadata(Result.SUCCESS));
        Path runtime = stateDir.resolve(NAME + ".runtime");
        String providerRel = ".terraform/providers/registry.opentofu.org/hashicorp/aws/5.0.0/linux_amd64/bin";
        assertThat(runtime.resolve("opentofu/main.tf")).doesNotExist();
        assertThat(inode(runtime.resolve("opentofu").resolve(providerRel))).isEqualTo(inode(provider));
        assertThat(inode(runtime.resolve("opentofu/.terraform/terraform.tfstate")))
                .isNotEqualTo(inode(scenario.resolve("opentofu/.terraform/terraform.tfstate")));

        Path next = Files.createDirectories(tmp.resolve("run2/scenario"));
        Files.createDirectories(next.resolve("generated"));
        Files.writeString(next.resolve("generated/stale.txt"), "from the package");

        store.restore(NAME, next);

        assertThat(names(next.resolve("generated")))
                .containsExactlyInAnyOrder("cluster.json", "ssh", "server-token.txt");
        assertThat(Files.readString(next.resolve("generated/cluster.json")))
                .isEqualTo(Files.readString(stateDir.resolve(NAME + ".json")));
        assertThat(Files.readString(next.resolve("opentofu/terraform.tfstate"))).isEqualTo("{\"serial\": 3}");
        assertThat(Files.readString(next.resolve("opentofu/terraform.tfstate.backup"))).isEqualTo("{\"serial\": 2}");
        assertThat(Files.readString(next.resolve("opentofu/.terraform.lock.hcl"))).isEqualTo("provider lock");
        assertThat(Files.readString(next.resolve("opentofu/.terraform/terraform.tfstate"))).isEqualTo("backend");
        assertThat(Files.readString(next.resolve("opentofu").resolve(providerRel))).isEqualTo("ELF");
        assertThat(Files.isExecutable(next.resolve("opentofu").resolve(providerRel))).isTrue();
        assertThat(next.resolve("opentofu/main.tf")).doesNotExist();
        assertThat(Files.readString(stateDir.resolve(NAME + ".runtime/generated/ssh/id_ed25519"))).isEqualTo("K");
    }

    @Test
    void restoreWithoutStateLeavesTheScenarioAlone() throws IOException {
        generated("cluster.json", "{\"package\": true}");
        store.restore(NAME, scenario);
        assertThat(Files.readString(scenario.resolve("generated/cluster.json"))).isEqualTo("{\"package\": true}");
        assertThat(scenario.resolve("opentofu")).doesNotExist();
        assertThat(visible(stateDir)).isEmpty();
    }

    @Test
    void restoreCreatesOpenTofuDirForAnyScenarioThatHasStateOrNeedsIt() throws IOException {
        tofu("terraform.tfstate", "s");
        store.persist(NAME, scenario, metadata(Result.SUCCESS));

        Path bare = Files.createDirectories(tmp.resolve("bare"));
        store.restore(NAME, bare);
        assertThat(Files.readString(bare.resolve("opentofu/terraform.tfstate"))).isEqualTo("s");

        store.persist("other", Files.createDirectories(tmp.resolve("empty")), metadata(Result.SUCCESS));
        Path withTofu = Files.createDirectories(tmp.resolve("pkg/opentofu")).getParent();
        store.restore("other", withTofu);
        assertThat(withTofu.resolve("opentofu")).isDirectory();
    }

    @Test
    void clusterFileIsNeverRestored() throws IOException {
        Files.writeString(stateDir.resolve(NAME + ".json"), "{\"from\": \"state\"}");
        store.persist(NAME, scenario, metadata(Result.SUCCESS));
        store.restore(NAME, scenario);
        assertThat(scenario.resolve("generated")).doesNotExist();
    }

    // ---- crash leftovers -----------------------------------------------------------------------------------

    @Test
    void staleTempAndOldTreesNextToACompleteRuntimeAreDeleted() throws IOException {
        generated("cluster.json", "{\"v\": 1}");
        store.persist(NAME, scenario, metadata(Result.SUCCESS));
        Files.createDirectories(stateDir.resolve(NAME + ".runtime.tmp-" + STALE + "/generated"));
        Files.createDirectories(stateDir.resolve(NAME + ".runtime.old-fedcba9876543210/generated"));
        Files.writeString(stateDir.resolve("." + NAME + ".json.12345.tmp"), "{half");
        // Another profile whose files merely start like our leftovers must survive.
        String lookalike = NAME + ".runtime.tmp-" + STALE;
        Files.createDirectories(stateDir.resolve(lookalike + ".runtime"));
        Files.writeString(stateDir.resolve(lookalike + ".json"), "{}");

        store.lock(NAME, TestLocks.NOW).close();

        assertThat(visible(stateDir)).containsExactlyInAnyOrder(NAME + ".json", NAME + ".runtime", NAME + ".lock",
                lookalike + ".runtime", lookalike + ".json");
        assertThat(warnings).isEmpty();
    }

    @Test
    void aTreeMovedAsideByAnInterruptedSwapIsRecovered() throws IOException {
        generated("cluster.json", "{\"v\": 1}");
        store.persist(NAME, scenario, metadata(Result.SUCCESS));
        // Crash between "runtime -> old" and "tmp -> runtime": both trees exist, no runtime dir.
        Files.move(stateDir.resolve(NAME + ".runtime"), stateDir.resolve(NAME + ".runtime.old-" + STALE));
        Files.createDirectories(stateDir.resolve(NAME + ".runtime.tmp-fedcba9876543210/generated"));

        Path next = Files.createDirectories(tmp.resolve("next"));
        store.restore(NAME, next);

        assertThat(Files.readString(next.resolve("generated/cluster.json"))).isEqualTo("{\"v\": 1}");
        assertThat(visible(stateDir)).containsExactlyInAnyOrder(NAME + ".json", NAME + ".runtime");
        assertThat(warnings).singleElement().asString().contains("interrupted run");
    }

    @Test
    void persistSucceedsOverLeftoversFromACrash() throws IOException {
        Files.createDirectories(stateDir.resolve(NAME + ".runtime.tmp-" + STALE));
        Files.createDirectories(stateDir.resolve(NAME + ".runtime.del-" + STALE + "/generated"));
        generated("cluster.json", "{}");
        store.persist(NAME, scenario, metadata(Result.SUCCESS));
        assertThat(visible(stateDir)).containsExactlyInAnyOrder(NAME + ".json", NAME + ".runtime");
    }

    // ---- remove --------------------------------------------------------------------------------------------

    @Test
    void removeDeletesOnlyThisProfilesStateAndNeverFollowsLinks() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("precious"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        generated("cluster.json", "{}");
        store.persist(NAME, scenario, metadata(Result.SUCCESS));
        store.persist("neighbour", scenario, metadata(Result.SUCCESS));
        Files.createSymbolicLink(stateDir.resolve(NAME + ".runtime/generated/link"), outside);

        store.remove(NAME);

        assertThat(visible(stateDir)).containsExactlyInAnyOrder("neighbour.json", "neighbour.runtime");
        assertThat(outside.resolve("keep.txt")).hasContent("keep");
        store.remove(NAME);
        store.remove("never-persisted");
    }

    @Test
    void removeOfARuntimeSymlinkDeletesTheLinkOnly() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("precious"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        Files.createSymbolicLink(stateDir.resolve(NAME + ".runtime"), outside);
        Files.createSymbolicLink(stateDir.resolve(NAME + ".json"), outside.resolve("keep.txt"));

        store.remove(NAME);

        assertThat(visible(stateDir)).isEmpty();
        assertThat(outside.resolve("keep.txt")).hasContent("keep");
    }

    // ---- names ---------------------------------------------------------------------------------------------

    @Test
    void invalidNamesAreRejectedBeforeAnyFileIsTouched() throws IOException {
        Path victim = Files.createDirectories(tmp.resolve("x.runtime"));
        Files.writeString(tmp.resolve("x.json"), "{}");
        generated("cluster.json", "{}");
        List<String> bad = new ArrayList<>(List.of("../x", "a/b", "", ".hidden", "-dash", "a b", "x\n", "..",
                "/abs", "a".repeat(129)));
        bad.add(null);
        for (String name : bad) {
            List<ThrowingCall> calls = List.of(() -> store.clusterFile(name), () -> store.runtimeDir(name),
                    () -> store.lock(name, TestLocks.NOW), () -> store.restore(name, scenario),
                    () -> store.persist(name, scenario, metadata(Result.SUCCESS)), () -> store.remove(name),
                    () -> store.readEngineState(name));
            for (ThrowingCall call : calls) {
                assertThatThrownBy(call::run).as(String.valueOf(name))
                        .isInstanceOfSatisfying(EngineException.class,
                                e -> assertThat(e.exitCode()).isEqualTo(EngineException.INVALID))
                        .hasMessageStartingWith("profile package metadata.name is invalid: ")
                        .hasMessageNotContaining("\n");
            }
        }
        assertThat(visible(stateDir)).isEmpty();
        assertThat(victim).isDirectory();
        assertThat(tmp.resolve("x.json")).exists();
    }

    @Test
    void longestAndDottedValidNamesWork() throws IOException {
        for (String name : List.of("a".repeat(128), "A1.b_c-d", "9..x")) {
            assertThat(store.persist(name, scenario, metadata(Result.SUCCESS)).runtimeDir())
                    .isEqualTo(stateDir.resolve(name + ".runtime"));
        }
    }

    // ---- engine state --------------------------------------------------------------------------------------

    @Test
    void engineStateIsEmptyWhenAbsentOrMalformed() throws IOException {
        assertThat(store.readEngineState(NAME)).isEmpty();
        store.persist(NAME, scenario, metadata(Result.INTERRUPTED));
        assertThat(store.readEngineState(NAME)).contains(metadata(Result.INTERRUPTED));
        Path file = stateDir.resolve(NAME + ".runtime/engine-state.json");
        for (String bad : List.of("{", "[]", "", "{\"last_action\": {\"result\": \"weird\"}}")) {
            Files.writeString(file, bad);
            assertThat(store.readEngineState(NAME)).as(bad).isEmpty();
        }
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe});
        assertThat(store.readEngineState(NAME)).isEmpty();
    }

    // ---- commit journals that cannot be rolled forward (#17) --------------------------------------------------

    @Test
    void aJournalRecordsItsFormatAndTheNameItWasWrittenFor() throws IOException {
        CommitJournal journal = new CommitJournal(stateDir);
        CommitJournal.Entry entry = new CommitJournal.Entry(CommitJournal.Op.REMOVE, STALE, 7);
        journal.write(NAME, entry);
        JsonNode written = Json.parse(Files.readString(journal.file(NAME)));
        assertThat(written.path("format").asInt()).isEqualTo(CommitJournal.FORMAT);
        assertThat(written.path("name").asText()).isEqualTo(NAME);
        assertThat(journal.read(NAME)).contains(entry);
        // an older engine's journal (no format, no name, no revision) is still read
        Files.writeString(journal.file(NAME), "{\"op\":\"persist\",\"txn\":\"" + STALE + "\"}");
        assertThat(journal.read(NAME)).contains(new CommitJournal.Entry(CommitJournal.Op.PERSIST, STALE, 0));
    }

    @Test
    void anUndecidableJournalRefusesOnlyItsOwnNameAndNamesTheFile() throws IOException {
        generated("cluster.json", "{}");
        store.persist(NAME, scenario, metadata(Result.SUCCESS));
        store.persist("neighbour", scenario, metadata(Result.SUCCESS));
        Path journal = stateDir.resolve("." + NAME + ".commit");
        for (String bad : List.of("{half", "null", "{\"format\":3,\"op\":\"persist\",\"txn\":\"" + STALE + "\"}",
                "{\"name\":\"neighbour\",\"op\":\"persist\",\"txn\":\"" + STALE + "\",\"revision\":1}",
                "{\"op\":\"remove\",\"txn\":\"" + STALE + "\",\"revision\":-1}",
                "{\"op\":\"persist\",\"txn\":\"" + STALE + "\",\"revision\":9}")) {
            Files.writeString(journal, bad);
            warnings.clear();

            assertThat(store.list()).as(bad).extracting(ClusterInfo::name).containsExactly("neighbour");
            assertThat(warnings).as(bad).singleElement().asString().startsWith("commit journal " + journal + " ");
            for (ThrowingCall call : List.<ThrowingCall>of(() -> store.lock(NAME, TestLocks.NOW).close(),
                    () -> store.requireDecidable(NAME), () -> store.restore(NAME, scenario), () -> store.remove(NAME))) {
                assertThatThrownBy(call::run).as(bad).isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(EngineException.INVALID);
                    assertThat(e.getMessage()).startsWith("commit journal " + journal + " ")
                            .contains("'state history " + NAME + "'").doesNotContain("\n");
                });
            }
            store.requireDecidable("neighbour");
            store.lock("neighbour", TestLocks.NOW).close();
            assertThat(journal).as("left for a human").hasContent(bad);
            assertThat(stateDir.resolve(NAME + ".json")).exists();
        }
        Files.delete(journal);
        Files.createDirectory(journal);
        assertThatThrownBy(() -> store.requireDecidable(NAME)).hasMessageContaining("is not a regular file");
        Files.delete(journal);
        Files.write(journal, new byte[70 * 1024]);
        assertThatThrownBy(() -> store.requireDecidable(NAME)).hasMessageContaining("is larger than");
    }

    @Test
    void aPersistJournalWhoseStagedTreeIsGoneIsRefused() throws IOException {
        generated("cluster.json", "{}");
        for (int i = 0; i < 3; i++) {
            generated("hosts.yml", "round " + i);
            store.persist(NAME, scenario, metadata(Result.SUCCESS));
        }
        // revision 2 is committed, but not the newest: a journal naming it without its staged tree is not one a
        // crash left (the journal is written after the commit, and only the newest revision is rolled forward)
        Files.writeString(stateDir.resolve("." + NAME + ".commit"),
                "{\"op\":\"persist\",\"txn\":\"" + STALE + "\",\"revision\":2}");

        assertThatThrownBy(() -> store.lock(NAME, TestLocks.NOW)).hasMessageContaining("its staged tree "
                + stateDir.resolve(NAME + ".runtime.tmp-" + STALE) + " is missing");
        assertThat(store.history(NAME)).hasSize(3);
    }

    @Test
    void aRemovalJournalWithoutARevisionIsSetAsideAndTheStateKept() throws IOException {
        generated("cluster.json", "{}");
        store.persist(NAME, scenario, metadata(Result.SUCCESS));
        Path journal = stateDir.resolve("." + NAME + ".commit");
        String older = "{\"op\":\"remove\",\"txn\":\"" + STALE + "\"}"; // as an engine before history wrote it
        Files.writeString(journal, older);

        assertThat(store.list()).extracting(ClusterInfo::name).containsExactly(NAME);
        assertThat(warnings).singleElement().asString().contains("names no removal revision", "the next run");
        warnings.clear();
        store.lock(NAME, TestLocks.NOW).close();

        assertThat(journal).doesNotExist();
        List<String> rejected = names(stateDir).stream().filter(n -> n.startsWith("." + NAME + ".commit.rejected-")).toList();
        assertThat(rejected).singleElement().satisfies(n -> assertThat(stateDir.resolve(n)).hasContent(older));
        assertThat(warnings).singleElement().asString().contains(journal.toString(), "set aside as " + stateDir.resolve(rejected.get(0)),
                "the state of '" + NAME + "' is kept");
        assertThat(visible(stateDir)).containsExactlyInAnyOrder(NAME + ".json", NAME + ".runtime", NAME + ".lock");
        assertThat(store.history(NAME)).extracting(RevisionInfo::removed).containsExactly(false);

        // a second stale journal the same millisecond or not: never overwrites the first one set aside
        Files.writeString(journal, older);
        store.lock(NAME, TestLocks.NOW).close();
        assertThat(names(stateDir).stream().filter(n -> n.startsWith("." + NAME + ".commit.rejected-"))).hasSize(2);
    }

    @Test
    void aMirrorsRemovalJournalIsRolledForwardWithoutALocalRecord() throws IOException {
        io.productivek3s.infra.state.driver.MemoryDriver backend =
                new io.productivek3s.infra.state.driver.MemoryDriver("postgresql://u@h:5432/db");
        StateStore mirror = StateLayer.open(backend, stateDir, ".pk3s-memory", warnings::add, d -> { });
        generated("cluster.json", "{}");
        mirror.persist(NAME, scenario, metadata(Result.SUCCESS));
        // the shared backend recorded the removal; the mirror's own removal was cut short after its journal
        backend.append(NAME, java.util.OptionalLong.of(1), new io.productivek3s.infra.state.driver.StoredRevision(
                new RevisionInfo(NAME, 2, java.time.Instant.now(), "u@h", "profile destroy", "success", 0, null, null,
                        null, null, 0, 0, true), new byte[0], new byte[0]), java.util.Set.of(),
                io.productivek3s.infra.state.driver.Fence.NONE);
        new CommitJournal(stateDir).write(NAME, new CommitJournal.Entry(CommitJournal.Op.REMOVE, STALE, 0));

        assertThat(mirror.list()).isEmpty();
        mirror.lock(NAME, TestLocks.NOW).close();

        assertThat(visible(stateDir)).containsExactly(NAME + ".lock");
        assertThat(warnings).singleElement().asString().startsWith("completed the removal");
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    interface ThrowingCall {
        void run() throws Exception;
    }

    static EngineState metadata(Result result) {
        return EngineStateTest.sample("1.0.0", "abc", result);
    }

    private Path generated(String relative, String content) throws IOException {
        return write(scenario.resolve("generated").resolve(relative), content);
    }

    private Path tofu(String relative, String content) throws IOException {
        return write(scenario.resolve("opentofu").resolve(relative), content);
    }

    private static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** The state dir as pk3s sees it: the engine's hidden bookkeeping (.history, .locks) left out. */
    static List<String> visible(Path dir) throws IOException {
        return names(dir).stream().filter(n -> !n.startsWith(".")).toList();
    }

    static String mode(Path path) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        return PosixFilePermissions.toString(perms);
    }

    private static Object inode(Path path) throws IOException {
        return Files.getAttribute(path, "unix:ino");
    }

    @Test
    void waitingForALockSaysSoOnceAndNamesTheHolder() throws Exception {
        List<String> waiting = new ArrayList<>();
        StateStore other = StateBackends.local(stateDir, 20, waiting::add, d -> { });
        try (StateLock held = store.lock(NAME, TestLocks.NOW)) {
            LockRequest patient = new LockRequest(TestLocks.NOW.holder(), java.time.Duration.ofMillis(1500));
            assertThatThrownBy(() -> other.lock(NAME, new LockRequest(TestLocks.NOW.holder(), java.time.Duration.ofMillis(300))))
                    .isInstanceOf(EngineException.class);
            assertThat(waiting).singleElement().asString().startsWith("waiting up to 300 ms for the lock");
            waiting.clear();
            assertThatThrownBy(() -> other.lock(NAME, patient)).isInstanceOf(EngineException.class)
                    .hasMessageContaining("is locked by another run");
        }
        assertThat(waiting).singleElement().asString()
                .startsWith("waiting up to 1 s for the lock on profile state for '" + NAME + "' held by ")
                .contains("tester");
        waiting.clear();
        other.lock(NAME, new LockRequest(TestLocks.NOW.holder(), java.time.Duration.ofSeconds(5))).close();
        assertThat(waiting).as("a free lock is taken without a word").isEmpty();
    }
}
