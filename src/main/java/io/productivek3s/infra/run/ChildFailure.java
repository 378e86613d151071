package io.productivek3s.infra.run;

import io.productivek3s.infra.exec.ChildProcess;
import io.productivek3s.infra.log.Log;

/** The one ERROR line printed after a failed child (docs/contract/output.md#child-failure-line); returns the exit code to propagate. */
public final class ChildFailure {
    private ChildFailure() {
    }

    public static int report(Log log, ChildProcess.Result result, String what) {
        if (result.interrupted()) {
            log.error(what + " was interrupted by signal " + (result.engineSignal() == 2 ? "SIGINT" : "SIGTERM"));
            return result.engineExitCode();
        }
        if (result.exitCode() != 0) {
            log.error(what + " failed with exit code " + result.exitCode());
        }
        return result.exitCode();
    }
}
