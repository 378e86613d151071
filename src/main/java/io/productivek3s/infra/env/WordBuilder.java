package io.productivek3s.infra.env;

import java.util.ArrayList;
import java.util.List;

/** Collects segments, merging adjacent literal text. */
final class WordBuilder {
    private final List<Segment> segments = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();

    void append(char c) {
        text.append(c);
    }

    void append(CharSequence s) {
        text.append(s);
    }

    void add(Segment segment) {
        flush();
        segments.add(segment);
    }

    boolean isEmpty() {
        return segments.isEmpty() && text.length() == 0;
    }

    List<Segment> segments() {
        flush();
        return List.copyOf(segments);
    }

    private void flush() {
        if (text.length() > 0) {
            segments.add(new Segment.Literal(text.toString()));
            text.setLength(0);
        }
    }
}
