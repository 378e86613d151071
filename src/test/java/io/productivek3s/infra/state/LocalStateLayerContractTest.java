package io.productivek3s.infra.state;

import io.productivek3s.infra.state.backends.StateBackends;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * The state layer's contract ({@link StateStoreContract}) over the local driver, as {@code StateBackends.local} opens
 * it.
 */
class LocalStateLayerContractTest extends StateStoreContract {
    private final List<String> warnings = new ArrayList<>();

    @Override
    protected StateStore openStore() {
        return StateBackends.local(work.resolve("state"), 20, warnings::add, d -> { });
    }

    @Override
    protected void corruptStoredFile(StateStore store, String sha256) throws Exception {
        Path object = store.location().resolve(".history/objects").resolve(sha256.substring(0, 2)).resolve(sha256);
        long size = Files.size(object);
        Files.setPosixFilePermissions(object, PosixFilePermissions.fromString("rw-------"));
        Files.write(object, "x".repeat((int) size).getBytes());
    }

    /** A local lock dies with its process: there is nothing to break, so the live holder is named and kept. */
    @Override
    protected void forceUnlockOfALiveHolder(StateStore store, StateStore other, String name, LockHolder holder) {
        assertThatThrownBy(() -> other.forceUnlock(name))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(EngineException.INVALID))
                .hasMessage("profile state for '" + name + "' is held by a live process " + holder.describe()
                        + "; stop it first");
        assertExit(() -> other.lock(name, LockRequest.now(BOB)), EngineException.INVALID);
    }

    /** Nothing to warn about, except that a lock had to be waited for (aLockTimeoutWaitsForTheHolderAndThenGivesUp). */
    @AfterEach
    void noWarnings() {
        assertThat(warnings).allMatch(line -> line.startsWith("waiting up to ") && line.contains(" for the lock on profile state for "));
    }
}
