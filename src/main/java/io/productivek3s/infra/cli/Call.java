package io.productivek3s.infra.cli;

import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.util.Json;
import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * One command being run: the engine context, the command line, and the one place a result reaches stdout. A result
 * is a record; with {@code --json} it is rendered through {@link Json} (docs/cli.md "JSON output"), else as text.
 */
record Call(EngineContext context, Invocation invocation) {

    /**
     * The document with {@code --json} (not with {@code --events ndjson}, whose stdout belongs to the events), else
     * the text on the progress stream.
     */
    void result(Envelope document, Supplier<String> text) {
        result(() -> document, text);
    }

    /**
     * As {@link #result(Envelope, Supplier)}, with the document built only when it is printed: a text answer of a
     * thousand rows does not pay for a document it never shows (docs/performance.md "State at scale").
     */
    void result(Supplier<Envelope> document, Supplier<String> text) {
        if (invocation.json()) {
            json(document.get());
        } else {
            PrintStream out = context.log().progressStream();
            out.print(text.get());
            out.flush();
        }
    }

    /** The document with {@code --json}, unless {@code --events ndjson} owns stdout; nothing without {@code --json}. */
    void json(Object document) {
        if (invocation.json() && !invocation.eventsNdjson()) {
            print(Json.pretty(document));
        }
    }

    /** Text that is the command's whole output (usage, a script, a list of names) on stdout. */
    void print(String text) {
        PrintStream out = context.log().stdout();
        out.print(text);
        out.flush();
    }
}
