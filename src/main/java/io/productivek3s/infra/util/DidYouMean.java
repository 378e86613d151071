package io.productivek3s.infra.util;

import java.util.Collection;
import java.util.Optional;

/** The closest known word to a typo, by edit distance, for "did you mean …?" hints. */
public final class DidYouMean {
    private DidYouMean() {
    }

    /**
     * The candidate nearest to {@code typo}, if it is close enough to be a plausible typo: at most 2 edits, and
     * fewer than half the typo's length, so short unrelated words ({@code ls} → {@code bom}) are not suggested.
     */
    public static Optional<String> closest(String typo, Collection<String> candidates) {
        if (typo == null || typo.isEmpty()) {
            return Optional.empty();
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int distance = distance(typo, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        int limit = Math.min(2, (typo.length() - 1) / 2);
        return bestDistance > 0 && bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /** Damerau–Levenshtein (optimal string alignment): a swap of two neighbours counts as one edit. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
