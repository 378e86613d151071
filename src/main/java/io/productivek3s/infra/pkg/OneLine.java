package io.productivek3s.infra.pkg;

/** Keeps ERROR/WARN texts on one line: library messages are summarized, echoed values have controls escaped. */
final class OneLine {
    private static final int MAX = 200;

    private OneLine() {
    }

    /** A short single-line summary of a library exception. */
    static String of(Throwable e) {
        String message = e.getMessage();
        return of(message == null || message.isBlank() ? e.getClass().getSimpleName() : message);
    }

    /** Collapses whitespace runs (newlines included) and truncates. */
    static String of(String text) {
        String line = text.replaceAll("\\s+", " ").trim();
        return line.length() <= MAX ? line : line.substring(0, MAX) + "...";
    }

    /**
     * A value as written, except that control characters are escaped ({@code \n}, {@code \r}, {@code \t},
     * {@code \xHH}); ordinary values come back unchanged.
     */
    static String shown(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!Character.isISOControl(c)) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(value.substring(0, i));
            }
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(String.format("\\x%02x", (int) c));
            }
        }
        return out == null ? value : out.toString();
    }
}
