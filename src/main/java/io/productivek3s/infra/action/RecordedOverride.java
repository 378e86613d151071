package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.StateStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The override env file {@code profile status|plan|destroy} reuses when none is given: the one the cluster's
 * {@code engine-state.json} records, if that file is still there with the recorded sha256 (docs/state.md "Cluster
 * names"). A file that is gone or changed is never guessed at; the missing-input error then names it.
 */
final class RecordedOverride {
    private static final List<String> REUSED_BY = List.of("status", "plan", "destroy");

    /** What the state says about the override file of a cluster. */
    sealed interface Found {
    }

    /** No record, or the cluster was run without an override file: nothing to reuse, nothing to say. */
    record Nothing() implements Found {
    }

    /** The recorded file, unchanged: use it. */
    record Reusable(Path file) implements Found {
    }

    /** A file was recorded but is gone or changed: say so if inputs are missing. */
    record Unusable(String path) implements Found {
        String hint(String stateName) {
            return " (cluster '" + stateName + "' was installed with " + path + ", which is gone or changed)";
        }
    }

    private final StateStores stores;

    RecordedOverride(StateStores stores) {
        this.stores = stores;
    }

    /** Whether {@code command} reuses a recorded override file when none is given. */
    static boolean reusedBy(String command) {
        return REUSED_BY.contains(command);
    }

    Found find(String stateName) {
        if (!stores.mayHoldState()) {
            return new Nothing();
        }
        Optional<EngineState> state;
        try (StateStore store = stores.open()) {
            state = store.readEngineState(stateName);
        } catch (IOException e) {
            throw EngineException.runtime("could not read profile state for '" + stateName + "': " + e.getMessage());
        }
        EngineState.Override recorded = state.map(EngineState::override).orElse(null);
        if (recorded == null || recorded.none() || recorded.path() == null) {
            return new Nothing();
        }
        Path file = Path.of(recorded.path());
        return RecordedPackage.matches(file, recorded.sha256()) ? new Reusable(file) : new Unusable(recorded.path());
    }
}
