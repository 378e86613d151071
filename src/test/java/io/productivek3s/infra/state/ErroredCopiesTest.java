package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The errored copies a run keeps when its state cannot be committed (issue 17). */
class ErroredCopiesTest {
    @TempDir
    Path tmp;

    private final List<String> warnings = new ArrayList<>();

    private Path scenario(String tag) throws IOException {
        Path scenario = tmp.resolve("scenario-" + tag);
        Files.createDirectories(scenario.resolve("generated/ssh"));
        Files.createDirectories(scenario.resolve("opentofu"));
        Files.writeString(scenario.resolve("generated/cluster.json"), "{\"cluster_name\":\"x\",\"ssh\":{\"user\":\"u\"}}");
        Files.writeString(scenario.resolve("generated/ssh/id_ed25519"), "key");
        Files.writeString(scenario.resolve("generated/tag"), tag);
        Files.writeString(scenario.resolve("opentofu/terraform.tfstate"), "{\"serial\": 1}");
        return scenario;
    }

    private static EngineState metadata() {
        return EngineState.of(new EngineState.Profile("p", "1.0.0", "onprem-basic", "ansible"),
                new EngineState.PackageRef("ab", "p.tgz", "/p.tgz"), EngineState.Engine.java("1"),
                new EngineState.LastAction("install", EngineState.Result.SUCCESS, 0, Instant.EPOCH, Instant.EPOCH));
    }

    @Test
    void keepsThePersistLayoutPrivatelyAndListsOldestFirstWithOneWarningNamingTheNewest() throws Exception {
        Path stateDir = tmp.resolve("state");
        ErroredCopies copies = new ErroredCopies(stateDir);
        SnapshotPolicy policy = new SnapshotPolicy(warnings::add);
        Path runtime = stateDir.resolve("site.runtime");
        assertThat(copies.warning("site")).isEmpty();

        Path first = copies.keep("site", scenario("1"), runtime, metadata(), policy, "cause one",
                Instant.parse("2026-12-07T10:15:00Z"));
        Path second = copies.keep("site", scenario("2"), runtime, metadata(), policy, "cause two",
                Instant.parse("2026-12-07T10:16:00Z"));

        long pid = ProcessHandle.current().pid();
        assertThat(first).isEqualTo(stateDir.resolve(".errored/site/20261207T101500Z-" + pid));
        assertThat(second.resolve("site.runtime/generated/tag")).hasContent("2");
        assertThat(second.resolve("site.json")).content().contains(runtime.resolve("generated/ssh/id_ed25519").toString());
        assertThat(ErroredCopies.readPushable("site", second).lastAction().command()).isEqualTo("install");
        assertThat(copies.list("site")).extracting(ErroredCopies.Copy::path).containsExactly(first, second);
        assertThat(copies.list("site").get(0).createdAt()).isEqualTo(Instant.parse("2026-12-07T10:15:00Z"));
        assertThat(copies.warning("site")).contains("state 'site' has uncommitted state from a failed run in " + second
                + ": run 'state push site --from " + second + "' (1 older in " + second.getParent() + ")");
        assertThat(copies.warning("other")).isEmpty();

        // the same second in the same process never overwrites a kept copy
        Path third = copies.keep("site", scenario("3"), runtime, metadata(), policy, "cause",
                Instant.parse("2026-12-07T10:16:00Z"));
        assertThat(third.getFileName().toString()).isEqualTo("20261207T101600Z-" + pid + "-2");
        assertThat(second.resolve("site.runtime/generated/tag")).hasContent("2");
    }

    @Test
    void onlyAKeptCopyIsACopyAndRemovingTheLastLeavesNoDirectoryBehind() throws Exception {
        Path stateDir = tmp.resolve("state");
        ErroredCopies copies = new ErroredCopies(stateDir);
        Path kept = copies.keep("site", scenario("1"), stateDir.resolve("site.runtime"), metadata(),
                new SnapshotPolicy(warnings::add), "cause", Instant.now());
        assertThat(copies.isCopy("site", kept)).isTrue();
        assertThat(copies.isCopy("other", kept)).isFalse();
        assertThat(copies.isCopy("site", tmp)).isFalse();
        assertThat(copies.isCopy("site", kept.resolve("site.runtime"))).isFalse();
        assertThatThrownBy(() -> ErroredCopies.readPushable("other", kept)).isInstanceOf(EngineException.class)
                .hasMessageContaining("refusing to push");
        assertThatThrownBy(() -> ErroredCopies.readPushable("site", tmp)).isInstanceOf(EngineException.class);

        copies.remove("site", kept);
        assertThat(stateDir.resolve(".errored")).doesNotExist();
        assertThat(copies.list("site")).isEmpty();
    }

    @Test
    void aStagingDirectoryOfAProcessThatIsGoneIsSweptAndALiveOneKept() throws Exception {
        Path stateDir = tmp.resolve("state");
        Path parent = Files.createDirectories(stateDir.resolve(".errored/site"));
        Path dead = Files.createDirectory(parent.resolve(".staging-2147483646-0123456789abcdef"));
        Path live = Files.createDirectory(parent.resolve(".staging-" + ProcessHandle.current().pid() + "-0123456789abcdef"));
        assertThat(new ErroredCopies(stateDir).list("site")).isEmpty();
        assertThat(dead).doesNotExist();
        assertThat(live).isDirectory();
    }
}
