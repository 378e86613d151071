package io.productivek3s.infra.run;

import io.productivek3s.infra.core.EngineBuild;
import io.productivek3s.infra.core.Release;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.log.OperationEvents;
import io.productivek3s.infra.paths.CallerPaths;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Runtime facts every action needs: the environment (process + release.env), the release identity, where the
 * engine is installed, how user paths resolve, and the output channels. Created once per process by the CLI.
 */
public record EngineContext(
        Map<String, String> env,
        Release release,
        Path installRoot,
        CallerPaths paths,
        Log log,
        OperationEvents events,
        EngineBuild build,
        Clock clock) {

    public String engineVersion() {
        return release.engineVersion();
    }
}
