package io.productivek3s.infra.source;

import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.core.EngineBuild;
import io.productivek3s.infra.core.Release;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.log.OperationEvents;
import io.productivek3s.infra.log.Redactor;
import io.productivek3s.infra.paths.CallerPaths;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** An engine context inside the test JVM, with captured log and event streams, for tests of library seams. */
final class InProcess {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final ByteArrayOutputStream events = new ByteArrayOutputStream();
    final EngineContext context;

    InProcess(Map<String, String> env, Path installRoot, Path callerDir) {
        Log log = new Log(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), new Redactor());
        Release release = Release.load(installRoot, env, log::warn);
        OperationEvents operationEvents = new OperationEvents(new PrintStream(events, true, StandardCharsets.UTF_8), true,
                Clock.systemUTC(), log.redactor());
        context = new EngineContext(release.baseEnvironment(), release, installRoot, new CallerPaths(callerDir, callerDir, message -> { }),
                log, operationEvents, EngineBuild.current(), Clock.systemUTC());
    }

    String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    List<String> eventLines() {
        String text = events.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }
}
