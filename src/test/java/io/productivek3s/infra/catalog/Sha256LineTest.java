package io.productivek3s.infra.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Sha256LineTest {
    private static final String HEX = "0e19b5abc132f8fbaabe32f09da8b18fb2c556ce0a4f1b88ad4bb7d1852906b7";

    @Test
    void onlyTheFirstFieldCounts() {
        assertThat(Sha256Line.parseFile((HEX + "  index.yaml\n").getBytes(StandardCharsets.UTF_8), "s")).isEqualTo(HEX);
        assertThat(Sha256Line.parseFile((HEX.toUpperCase() + " *dist/productive-k3s-core-0.9.6.tar.gz").getBytes(StandardCharsets.UTF_8), "s"))
                .isEqualTo(HEX);
        assertThat(Sha256Line.parseFile(HEX.getBytes(StandardCharsets.UTF_8), "s")).isEqualTo(HEX);
    }

    @Test
    void anythingElseIsRefused() {
        assertThatThrownBy(() -> Sha256Line.parseFile("<html>not found</html>".getBytes(StandardCharsets.UTF_8), "x.sha256"))
                .hasMessage("checksum file x.sha256 does not start with a sha256 digest");
        assertThatThrownBy(() -> Sha256Line.parseFile(new byte[0], "x.sha256")).hasMessageContaining("x.sha256");
        assertThat(Sha256Line.digest("abc")).isEmpty();
    }

    @Test
    void mismatchUsesTheContractWording() {
        assertThat(Sha256Line.mismatch("demo", "a", "b")).hasMessage("artifact checksum mismatch for demo: expected a, got b");
    }
}
