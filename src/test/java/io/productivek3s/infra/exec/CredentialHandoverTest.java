package io.productivek3s.infra.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CredentialHandoverTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void entriesAreLengthPrefixedInBytesSoAValueMayHoldAnything() {
        String password = "p\u00e4 ss=1:2\nPGPASSWORD=3:abc";
        int length = password.getBytes(StandardCharsets.UTF_8).length;
        Map<String, String> values = CredentialHandover.parse(bytes("PGPASSWORD=" + length + ":" + password
                + "PK3S_STATE_BACKEND=25:postgresql://u:p@ss@h:1/d\n"));
        assertThat(values).containsExactly(Map.entry("PGPASSWORD", password),
                Map.entry("PK3S_STATE_BACKEND", "postgresql://u:p@ss@h:1/d"));
    }

    @Test
    void withoutTheDescriptorTheEnvironmentIsUsedAsItIs() {
        Map<String, String> env = Map.of("PGPASSWORD", "plain");
        assertThat(CredentialHandover.restore(env, null)).isSameAs(env);
        assertThat(CredentialHandover.restore(env, "")).isSameAs(env);
    }

    @Test
    void aMalformedPayloadIsExit1WithoutEchoingIt() {
        for (String payload : new String[] {"PGPASSWORD=99:short", "HOME=3:abc", "PGPASSWORD:abc", "PGPASSWORD=x:abc"}) {
            assertThatThrownBy(() -> CredentialHandover.parse(bytes(payload))).as(payload)
                    .isInstanceOfSatisfying(EngineException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(1);
                        assertThat(e.getMessage()).doesNotContain("abc").doesNotContain("short");
                    });
        }
        assertThatThrownBy(() -> CredentialHandover.restore(Map.of(), "three"))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.exitCode()).isEqualTo(1));
    }
}
