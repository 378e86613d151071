package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DidYouMeanTest {
    private static final List<String> FLAGS = List.of("--tgz", "--env-file", "--output", "--profile", "--dry-run", "--json");

    @Test
    void suggestsTheNearestWordForSwapsDropsAndTypos() {
        assertThat(DidYouMean.closest("--evn-file", FLAGS)).contains("--env-file");
        assertThat(DidYouMean.closest("--dryrun", FLAGS)).contains("--dry-run");
        assertThat(DidYouMean.closest("--ouptut", FLAGS)).contains("--output");
        assertThat(DidYouMean.closest("stauts", List.of("status", "destroy"))).contains("status");
    }

    @Test
    void staysQuietForUnrelatedOrShortWordsAndExactMatches() {
        assertThat(DidYouMean.closest("--frobnicate", FLAGS)).isEmpty();
        assertThat(DidYouMean.closest("ls", List.of("bom", "help"))).isEmpty();
        assertThat(DidYouMean.closest("--json", FLAGS)).isEmpty();
        assertThat(DidYouMean.closest("", FLAGS)).isEmpty();
    }

    @Test
    void distanceCountsANeighbourSwapAsOneEdit() {
        assertThat(DidYouMean.distance("abcd", "abdc")).isEqualTo(1);
        assertThat(DidYouMean.distance("kitten", "sitting")).isEqualTo(3);
    }
}
