package io.productivek3s.infra.sign;

/**
 * OpenSSH pattern lists ({@code match_pattern_list}): comma-separated patterns with {@code *} and {@code ?}; a
 * pattern starting with {@code !} that matches rejects the name whatever else matches.
 */
final class Patterns {
    private Patterns() {
    }

    static boolean matchesList(String name, String list) {
        boolean matched = false;
        for (String pattern : list.split(",", -1)) {
            String trimmed = pattern.strip();
            boolean negated = trimmed.startsWith("!");
            if (matches(name, negated ? trimmed.substring(1) : trimmed, 0, 0)) {
                if (negated) {
                    return false;
                }
                matched = true;
            }
        }
        return matched;
    }

    private static boolean matches(String name, String pattern, int n, int p) {
        while (p < pattern.length()) {
            char c = pattern.charAt(p);
            if (c == '*') {
                while (p + 1 < pattern.length() && pattern.charAt(p + 1) == '*') {
                    p++; // a run of stars is one star: no exponential backtracking
                }
                for (int k = n; k <= name.length(); k++) {
                    if (matches(name, pattern, k, p + 1)) {
                        return true;
                    }
                }
                return false;
            }
            if (n >= name.length() || c != '?' && c != name.charAt(n)) {
                return false;
            }
            n++;
            p++;
        }
        return n == name.length();
    }
}
