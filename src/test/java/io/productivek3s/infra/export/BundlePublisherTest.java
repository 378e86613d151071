package io.productivek3s.infra.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publication never leaves a half-written bundle or staging debris, and never loses the old output on failure. */
class BundlePublisherTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final BundlePublisher publisher = new BundlePublisher(warnings::add);

    private static final BundlePublisher.Content GOOD = target -> Files.writeString(target.resolve("install.sh"), "new");

    /** Writes part of a bundle, then fails like a full disk would. */
    private static final BundlePublisher.Content FAILING = target -> {
        Files.writeString(target.resolve("install.sh"), "partial");
        Files.createDirectory(target.resolve("lib"));
        throw new IOException("No space left on device");
    };

    private OutputPlan plan(String name, boolean archive, OutputPlan.Existing existing) {
        return new OutputPlan(dir.resolve(name), name, archive, existing);
    }

    @Test
    void newDirectoryIsAbsentAfterAFailure() throws IOException {
        assertThatThrownBy(() -> publisher.publish(plan("out/bundle", false, OutputPlan.Existing.NONE), FAILING, false))
                .hasMessageContaining("No space left");
        assertThat(names(dir.resolve("out"))).isEmpty();
        publisher.publish(plan("out/bundle", false, OutputPlan.Existing.NONE), GOOD, false);
        assertThat(names(dir.resolve("out"))).containsExactly("bundle");
        assertThat(dir.resolve("out/bundle/install.sh")).hasContent("new");
    }

    @Test
    void emptyDirectoryStaysEmptyAfterAFailure() throws IOException {
        Path target = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> publisher.publish(plan("empty", false, OutputPlan.Existing.EMPTY_DIRECTORY), FAILING, false))
                .isInstanceOf(IOException.class);
        assertThat(names(target)).isEmpty();
        publisher.publish(plan("empty", false, OutputPlan.Existing.EMPTY_DIRECTORY), GOOD, false);
        assertThat(names(target)).containsExactly("install.sh");
    }

    @Test
    void replacedDirectoryIsKeptIntactOnFailureAndFullyReplacedOnSuccess() throws IOException {
        Path target = Files.createDirectory(dir.resolve("bundle"));
        Files.writeString(target.resolve("install.sh"), "old");
        Files.writeString(target.resolve("extra"), "old");
        assertThatThrownBy(() -> publisher.publish(plan("bundle", false, OutputPlan.Existing.REPLACEABLE), FAILING, false))
                .isInstanceOf(IOException.class);
        assertThat(names(dir)).containsExactly("bundle");
        assertThat(names(target)).containsExactly("extra", "install.sh");
        assertThat(target.resolve("install.sh")).hasContent("old");

        publisher.publish(plan("bundle", false, OutputPlan.Existing.REPLACEABLE), GOOD, false);
        assertThat(names(dir)).containsExactly("bundle");
        assertThat(names(target)).containsExactly("install.sh");
        assertThat(target.resolve("install.sh")).hasContent("new");
        assertThat(warnings).isEmpty();
    }

    @Test
    void archiveIsNotTouchedOnFailureAndReplacedByRenameOnSuccess() throws IOException {
        Path target = dir.resolve("bundle.tgz");
        Files.writeString(target, "old archive");
        assertThatThrownBy(() -> publisher.publish(plan("bundle.tgz", true, OutputPlan.Existing.REPLACEABLE), FAILING, true))
                .isInstanceOf(IOException.class);
        assertThat(names(dir)).containsExactly("bundle.tgz");
        assertThat(target).hasContent("old archive");

        publisher.publish(plan("bundle.tgz", true, OutputPlan.Existing.REPLACEABLE), GOOD, true);
        assertThat(names(dir)).containsExactly("bundle.tgz");
        assertThat(Files.size(target)).isGreaterThan(20);
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
