package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link StateNames#isValid} checks by hand exactly what its pattern says a name is. */
class StateNamesTest {
    @Test
    void aNameIsValidExactlyWhenThePatternSaysSo() {
        List<String> names = new ArrayList<>(List.of("a", "A", "0", "site-b", "a.b_c-d", "-a", ".a", "_a", "a/b",
                "a b", "", "é", "aé", "a\n", "x".repeat(128), "x".repeat(129), "..", "a..", "a\u0000", "ａ",
                "a" + "\u00e9", "Z9.-_"));
        Random random = new Random(11);
        String alphabet = "aZ09._-/ \u00e9\u0660\n:";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder name = new StringBuilder();
            for (int n = random.nextInt(i % 100 == 0 ? 140 : 8); n > 0; n--) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            names.add(name.toString());
        }
        for (String name : names) {
            assertThat(StateNames.isValid(name)).as(name).isEqualTo(StateNames.NAME.matcher(name).matches());
        }
        assertThat(StateNames.isValid(null)).isFalse();
    }
}
