package io.productivek3s.infra.util;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;

/**
 * Streaming JSON reads, for documents read by the hundred on one command (a revision record per cluster in
 * {@code state list}, the {@code engine-state.json} summary of each): a {@link JsonParser} reads only the fields a
 * reader asks for, without building a tree, and without {@link Json}'s {@code ObjectMapper}, whose start-up alone
 * costs tens of milliseconds of a short command (docs/performance.md "State at scale").
 */
public final class JsonStreams {
    /** Thread-safe once built, like {@link Json}'s mapper; the same defaults as that mapper's own factory. */
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonStreams() {
    }

    /** A parser over {@code text}; the caller closes it. */
    public static JsonParser parser(String text) throws IOException {
        return FACTORY.createParser(text);
    }

    /** A parser over the UTF-8 {@code bytes}, read in place; the caller closes it. */
    public static JsonParser parser(byte[] bytes) throws IOException {
        return FACTORY.createParser(bytes);
    }
}
