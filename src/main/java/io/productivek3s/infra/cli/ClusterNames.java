package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.StateNames;

/** Cluster names typed by the user ({@code --name}, {@code state <cmd> <name>}): the docs/contract/package.md#profileyaml name rules, exit 4. */
final class ClusterNames {
    private ClusterNames() {
    }

    /** {@code value} when valid, else exit 4 naming {@code what} ({@code --name} or {@code cluster name}). */
    static String require(String what, String value) {
        try {
            return StateNames.requireValid(value);
        } catch (EngineException invalid) {
            throw EngineException.invalid("invalid " + what + " '" + Durations.oneLine(value) + "': a cluster name is 1-128 "
                    + "letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    /** The positional after {@code state <cmd>}; absent → exit 3 like every missing argument. */
    static String positional(Invocation invocation, String command) {
        String name = invocation.word(2);
        if (name.isEmpty() || name.startsWith("--")) {
            throw EngineException.missing("the '" + command + "' command requires a cluster name: " + command + " <name>");
        }
        return require("cluster name", name);
    }
}
