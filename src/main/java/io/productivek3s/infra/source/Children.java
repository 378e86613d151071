package io.productivek3s.infra.source;

import io.productivek3s.infra.run.ChildCommands;
import io.productivek3s.infra.run.ChildFailure;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.exec.ChildProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The children of a source or legacy command (docs/contract/runs.md#command-lines-and-working-directories), run in order from the caller's working directory
 * until one fails. A failure is reported with the docs/contract/output.md#child-failure-line line and its exit code is returned unchanged.
 */
final class Children {
    /**
     * @param argv absolute binary first
     * @param step operation-event step ({@code profile.make.run}, {@code profile.tofu.run})
     * @param what how a failure is named, e.g. {@code scenario make target 'up'}
     */
    record Child(List<String> argv, String step, String what) {
        Child {
            argv = List.copyOf(argv);
        }
    }

    private final EngineContext context;

    Children(EngineContext context) {
        this.context = context;
    }

    int runAll(List<Child> children, Map<String, String> env) {
        Path cwd = Path.of("").toAbsolutePath();
        for (Child child : children) {
            context.events().step(child.step(), "running", "running " + child.what());
            ChildProcess.Result result = new ChildProcess(context.log()).run(child.argv(), cwd, env);
            int code = ChildFailure.report(context.log(), result, child.what());
            if (code != 0) {
                return code;
            }
        }
        return 0;
    }

    /** A shared child step, reported under {@code step} in operation events. */
    static Child of(ChildCommands.Step command, String step) {
        return new Child(command.argv(), step, command.what());
    }
}
