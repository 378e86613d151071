import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.backends.StateBackends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Populates a state quickly and honestly for bench/state-scale.sh (docs/performance.md "State at scale"): through the
 * engine's own state layer ({@link StateBackends#open} as the launcher opens it, from this process's environment:
 * {@code PK3S_STATE_BACKEND}, {@code PK3S_STATE_HISTORY_LIMIT}, …), every revision a real {@link StateStore#persist}
 * of a real runtime tree: the tree a real install of {@code <source>} left, restored into a scenario directory.
 * Each persist records a new {@code last_action} time, so every revision's {@code engine-state.json} (and hence its
 * tree digest) differs, as the revisions of real installs do.
 *
 * <p>Usage (classpath: the engine's {@code target/lib/*}):
 * {@code java -cp 'target/lib/*' bench/StatePopulate.java <state-dir> <source> <clusters> <revisions>}: clusters
 * {@code c00002…} up to {@code <clusters>} in all (the source counts as the first), then {@code <source>} persisted
 * until it has {@code <revisions>} revisions (it has one already).
 */
public class StatePopulate {
    public static void main(String[] args) throws Exception {
        Path stateDir = Path.of(args[0]);
        String source = args[1];
        int clusters = Integer.parseInt(args[2]);
        int revisions = Integer.parseInt(args[3]);
        Path scenario = Files.createTempDirectory("pk3s-populate");
        long t0 = System.nanoTime();
        try (StateStore store = StateBackends.open(System.getenv(), stateDir, System.err::println)) {
            store.restore(source, scenario);
            EngineState base = store.readEngineState(source).orElseThrow(
                    () -> new IllegalStateException("no state for " + source + " in " + store.backendName()));
            int persisted = 0;
            for (int i = 2; i <= clusters; i++) {
                store.persist(String.format("c%05d", i), scenario, stamped(base));
                persisted++;
            }
            for (int r = 2; r <= revisions; r++) {
                store.persist(source, scenario, stamped(base));
                persisted++;
            }
            System.out.printf("persisted %d revision(s) through %s in %d ms%n", persisted, store.backendName(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** {@code base} with a fresh last action: the revision is a new one, as a real install's is. */
    private static EngineState stamped(EngineState base) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        EngineState.LastAction action = base.lastAction();
        return new EngineState(base.schemaVersion(), base.profile(), base.pkg(), base.engine(),
                new EngineState.LastAction(action.command(), action.result(), action.exitCode(), now.minusSeconds(1),
                        now), base.override());
    }
}
