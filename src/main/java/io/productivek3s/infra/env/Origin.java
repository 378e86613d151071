package io.productivek3s.infra.env;

import java.util.Objects;

/**
 * Provenance of a value: the layer, the file as the user named it, and the 1-based line of the assignment
 * ({@code 0} when no single line applies, e.g. a value imported from a bash evaluation or pinned by the engine).
 */
public record Origin(Layer layer, String file, int line) {
    public Origin {
        Objects.requireNonNull(layer, "layer");
    }

    public static Origin process() {
        return new Origin(Layer.PROCESS, null, 0);
    }

    /** Human text for DEBUG lines and messages, e.g. {@code override ./site.env:3} or {@code process environment}. */
    public String describe() {
        if (layer == Layer.PROCESS) {
            return "process environment";
        }
        if (file == null || file.isEmpty()) {
            return layer.label();
        }
        return layer.label() + " " + file + (line > 0 ? ":" + line : "");
    }
}
