package io.productivek3s.infra.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FileIdentity's hand-written equals/hashCode keep a record's meaning: equal exactly when every component is. */
class FileIdentityTest {
    private static final FileIdentity BASE = new FileIdentity(1, 2, 3, 4, 5, 0644);

    @Test
    void equalWhenEveryComponentIsEqual() {
        FileIdentity same = new FileIdentity(1, 2, 3, 4, 5, 0644);
        assertThat(same).isEqualTo(BASE).hasSameHashCodeAs(BASE);
        assertThat(BASE).isEqualTo(BASE).isNotEqualTo(null).isNotEqualTo("1 2 3 4 5 420");
    }

    @Test
    void differentWhenAnyComponentDiffers() {
        assertThat(new FileIdentity(9, 2, 3, 4, 5, 0644)).isNotEqualTo(BASE);
        assertThat(new FileIdentity(1, 9, 3, 4, 5, 0644)).isNotEqualTo(BASE);
        assertThat(new FileIdentity(1, 2, 9, 4, 5, 0644)).isNotEqualTo(BASE);
        assertThat(new FileIdentity(1, 2, 3, 9, 5, 0644)).isNotEqualTo(BASE);
        assertThat(new FileIdentity(1, 2, 3, 4, 9, 0644)).isNotEqualTo(BASE);
        assertThat(new FileIdentity(1, 2, 3, 4, 5, 0600)).isNotEqualTo(BASE);
    }

    @Test
    void aFileReadTwiceIsTheSameAndSurvivesEncoding(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        FileIdentity first = FileIdentity.read(file);
        assertThat(FileIdentity.read(file)).isEqualTo(first).hasSameHashCodeAs(first);
        assertThat(FileIdentity.decode(first.encode())).contains(first);
    }
}
