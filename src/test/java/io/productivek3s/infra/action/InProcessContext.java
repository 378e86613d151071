package io.productivek3s.infra.action;

import io.productivek3s.infra.core.EngineBuild;
import io.productivek3s.infra.core.Release;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.log.OperationEvents;
import io.productivek3s.infra.log.Redactor;
import io.productivek3s.infra.paths.CallerPaths;
import io.productivek3s.infra.run.EngineContext;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** The engine's context for in-process action tests: {@code dir} as install and working directory, logs to {@code out}. */
final class InProcessContext {
    private InProcessContext() {
    }

    static EngineContext of(Path dir, Map<String, String> env, OutputStream out) {
        PrintStream stream = new PrintStream(out, true, StandardCharsets.UTF_8);
        Log log = new Log(stream, stream, new Redactor());
        Release release = Release.load(dir, env, log::warn);
        return new EngineContext(release.baseEnvironment(), release, dir, new CallerPaths(dir, dir, message -> { }), log,
                OperationEvents.disabled(), EngineBuild.current(), Clock.systemUTC());
    }
}
