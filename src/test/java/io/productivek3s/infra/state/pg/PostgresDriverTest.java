package io.productivek3s.infra.state.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateDriverContract;
import io.productivek3s.infra.testing.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The driver contract on PostgreSQL: a fresh database per test; each driver is its own connection. */
class PostgresDriverTest extends StateDriverContract {
    private PostgresServer server;
    private String database;

    @BeforeEach
    void freshDatabase() {
        server = PostgresServer.shared();
        database = server.createDatabase("driver");
    }

    @Override
    protected StateDriver open() {
        return PostgresDriver.connect(server.url(database), "PK3S_STATE_BACKEND", Map.of("PGPASSWORD",
                PostgresServer.PASSWORD, "PK3S_STATE_LEASE_SECONDS", "5"), w -> { }, d -> { });
    }

    /** docs/state.md "PostgreSQL backend": a reader's hold is a snapshot a prune on another connection cannot empty. */
    @Test
    void aReaderHoldingReadingStillFindsWhatAConcurrentPruneTookAway() throws Exception {
        StateDriver writer = driver();
        String shared = store(writer, "alpha", "shared");
        String old = store(writer, "alpha", "old");
        writer.append("alpha", OptionalLong.empty(), revision("alpha", 1, false), Set.of(shared, old), Fence.NONE);
        writer.append("alpha", OptionalLong.of(1), revision("alpha", 2, false), Set.of(shared), Fence.NONE);
        try (StateDriver reader = open()) {
            try (StateDriver.Hold hold = reader.reading("alpha")) {
                assertThat(reader.latest("alpha")).hasValueSatisfying(r -> assertThat(r.revision()).isEqualTo(2));
                writer.prune("alpha", List.of(1L)); // commits at once: the reader does not hold it up
                assertThat(writer.missing("alpha", List.of(old))).containsExactly(old);

                assertThat(reader.history("alpha")).hasSize(2);
                assertThat(reader.read("alpha", 1)).isPresent();
                try (InputStream in = reader.open("alpha", old)) {
                    assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("old");
                }
            }
            // The hold is over: the reader sees the prune, and writes again on the same connection.
            assertThat(reader.read("alpha", 1)).isEmpty();
            assertThat(reader.missing("alpha", List.of(old))).containsExactly(old);
            String again = store(reader, "alpha", "again");
            reader.append("alpha", OptionalLong.of(2), revision("alpha", 3, false), Set.of(again), Fence.NONE);
        }
    }

    /** A blob found stored, then collected before the revision referencing it commits: nothing is written. */
    @Test
    void anAppendWhoseObjectWasCollectedMeanwhileWritesNothing() throws Exception {
        StateDriver d = driver();
        String reused = store(d, "alpha", "reused");
        d.append("alpha", OptionalLong.empty(), revision("alpha", 1, false), Set.of(reused), Fence.NONE);
        d.append("alpha", OptionalLong.of(1), revision("alpha", 2, false), Set.of(), Fence.NONE);
        assertThat(d.missing("beta", List.of(reused))).isEmpty(); // beta's writer will not upload it
        d.prune("alpha", List.of(1L));

        assertThatThrownBy(() -> d.append("beta", OptionalLong.empty(), revision("beta", 1, false), Set.of(reused),
                Fence.NONE)).isInstanceOf(IOException.class).hasMessageContaining("collected by a concurrent prune")
                .hasMessageContaining("nothing was written");
        assertThat(d.latest("beta")).isEmpty();
    }
}
