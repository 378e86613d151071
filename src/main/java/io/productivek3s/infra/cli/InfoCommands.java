package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.CatalogNamesAction;
import io.productivek3s.infra.run.EngineContext;

/** {@code help}, {@code version}, {@code bundle info}, {@code bom} and {@code completion}: about the engine itself. */
final class InfoCommands {
    private InfoCommands() {
    }

    /** {@code completion <shell> [word]}: the shell, or a candidate list and its argument. */
    record CompletionOptions(String shell, String argument) {
        static CompletionOptions parse(Invocation in) {
            return new CompletionOptions(in.word(1), in.word(2));
        }
    }

    static int help(Call call, Invocation invocation) {
        EngineContext context = call.context();
        call.print(HelpText.render(HelpText.program(context.env()), context.release().packageOnly()));
        return 0;
    }

    static int version(Call call, Invocation invocation) {
        if (invocation.json()) {
            call.json(new Envelope.AfterContract(InfoDocuments.BundleInfo.of(call.context().engineVersion()), "version"));
        } else {
            call.print(call.context().engineVersion() + "\n");
        }
        return 0;
    }

    static int bundleInfo(Call call, Invocation invocation) {
        requireJson(invocation, "bundle info");
        call.json(new Envelope.AfterContract(InfoDocuments.BundleInfo.of(call.context().engineVersion()), "bundle info"));
        return 0;
    }

    static int bom(Call call, Invocation invocation) {
        requireJson(invocation, "bom");
        call.json(new Envelope.AfterContract(InfoDocuments.Bom.of(call.context().release(), call.context().build()), "bom"));
        return 0;
    }

    static int completion(Call call, CompletionOptions options) {
        EngineContext context = call.context();
        boolean packageOnly = context.release().packageOnly();
        String text = switch (options.shell()) {
            case "bash" -> Completion.bash(packageOnly);
            case "zsh" -> Completion.zsh(packageOnly);
            case "catalog-names" -> lines(new CatalogNamesAction(context).names());
            case "state-names" -> {
                context.log().setEventsMode(true); // a WARN (e.g. about the state dir) must not become a candidate
                yield lines(new StateCommands(call).names());
            }
            case "revisions" -> {
                context.log().setEventsMode(true); // as for state-names: only candidates on stdout
                yield lines(new StateCommands(call).revisions(options.argument()));
            }
            default -> throw EngineException.usage("unsupported completion shell: " + options.shell() + " (bash or zsh)");
        };
        call.print(text);
        return 0;
    }

    private static void requireJson(Invocation invocation, String command) {
        if (!invocation.json()) {
            throw EngineException.usage(command + " requires --json");
        }
    }

    private static String lines(java.util.List<String> words) {
        StringBuilder text = new StringBuilder();
        words.forEach(word -> text.append(word).append('\n'));
        return text.toString();
    }
}
