package io.productivek3s.infra.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildCommandsTest {

    @Test
    void aPostgresqlBackendKeepsItsPasswordFromChildren() {
        Map<String, String> env = ChildCommands.baseEnvironment(Map.of("PATH", "/bin",
                "PK3S_STATE_BACKEND", "postgresql://pk3s:s3cret@db.example:5432/pk3s", "PGPASSWORD", "other"));
        assertThat(env).containsOnlyKeys("PATH");
    }

    @Test
    void aBackendUrlWithoutPasswordIsPassedOnButPgpasswordIsNot() {
        Map<String, String> env = ChildCommands.baseEnvironment(Map.of("PK3S_STATE_BACKEND",
                " postgres://pk3s@db.example/pk3s", "PGPASSWORD", "s3cret", "PGPASSFILE", "/home/u/.pgpass"));
        assertThat(env).containsOnlyKeys("PK3S_STATE_BACKEND", "PGPASSFILE");
    }

    @Test
    void anAtSignAfterTheHostIsNotAPassword() {
        String url = "postgresql://db.example/pk3s?application_name=a:b@c";
        assertThat(ChildCommands.baseEnvironment(Map.of("PK3S_STATE_BACKEND", url)))
                .containsEntry("PK3S_STATE_BACKEND", url);
    }

    @Test
    void withALocalBackendTheEnvironmentIsUntouched() {
        Map<String, String> in = Map.of("PK3S_STATE_BACKEND", "local", "PGPASSWORD", "for-the-scenario");
        assertThat(ChildCommands.baseEnvironment(in)).isEqualTo(in);
        assertThat(ChildCommands.baseEnvironment(Map.of("PGPASSWORD", "x"))).containsOnlyKeys("PGPASSWORD");
    }

    @Test
    void aMalformedUrlWithAPasswordIsKeptFromChildrenToo() {
        // Source dispatch never opens the backend, so nothing else would stop this one.
        Map<String, String> env = ChildCommands.baseEnvironment(Map.of("PK3S_STATE_BACKEND",
                "postgresql://bob:Very-Secret-99@/nodb", "HOME", "/home/bob"));
        assertThat(env).containsOnlyKeys("HOME");
    }

    @Test
    void noChildLearnsWhereTheStateKeysAreWhateverTheBackend() {
        for (String backend : new String[] {"local", "postgresql://pk3s@db.example/pk3s"}) {
            Map<String, String> env = ChildCommands.baseEnvironment(Map.of("PK3S_STATE_BACKEND", backend, "HOME", "/home/u",
                    "PK3S_STATE_ENCRYPTION_KEY_FILE", "/home/u/.pk3s/state.key", "PK3S_STATE_PASSPHRASE_FILE", "/home/u/pass",
                    "PK3S_STATE_ENCRYPTION_OLD_KEY_FILES", "/home/u/old1.key:/home/u/old2.key"));
            assertThat(env).as(backend).containsOnlyKeys("PK3S_STATE_BACKEND", "HOME");
        }
    }
}
