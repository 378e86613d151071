package io.productivek3s.infra.util;

import java.util.regex.Pattern;

/**
 * Strings that came from somewhere else (a shared database, a history record) made safe to print on one line: every
 * control character (C0 including ESC, CR and LF; DEL; C1 such as the 8-bit CSI U+009B) and every invisible format
 * character (bidi overrides, zero-width marks) becomes '?'. A hostile writer can then neither forge a log line nor
 * send a terminal escape, nor make text display other than it reads.
 */
public final class Printable {
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cc}\\p{Cf}]");

    private Printable() {
    }

    /** {@code value} with every control or format character replaced by '?'; null stays null. */
    public static String clean(String value) {
        return value == null || isPrintableAscii(value) ? value : UNPRINTABLE.matcher(value).replaceAll("?");
    }

    /**
     * Whether every character is printable ASCII (space to '~'), none of which the pattern replaces: the common case,
     * answered without a regex (revision records clean eight strings each, a thousand records per {@code state
     * list}: docs/performance.md "State at scale").
     */
    private static boolean isPrintableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }
}
