package io.productivek3s.infra.state.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.util.Digests;
import org.junit.jupiter.api.Test;

class StateKeyTest {
    private final StateKey key = SealedTest.key(1);

    @Test
    void theIdIsSixteenHexDigitsStableForAKeyAndDifferentForAnother() {
        assertThat(key.id()).matches("[0-9a-f]{16}").isEqualTo(SealedTest.key(1).id()).isNotEqualTo(SealedTest.key(2).id());
    }

    @Test
    void addressesAreKeyedPerClusterAndDeterministic() {
        String sha = Digests.sha256("password=hunter2".getBytes());
        String address = key.address("siteA", sha);
        assertThat(address).matches("[0-9a-f]{64}").isEqualTo(key.address("siteA", sha))
                .isNotEqualTo(sha) // an observer cannot confirm a guessed plaintext by its sha256
                .isNotEqualTo(key.address("siteB", sha)) // nor link the same content across clusters
                .isNotEqualTo(SealedTest.key(2).address("siteA", sha));
        assertThat(key.address("siteA", Digests.sha256("other".getBytes()))).isNotEqualTo(address);
    }

    @Test
    void theIdRevealsNeitherTheKeyNorTheDerivedKeys() {
        byte[] master = new byte[StateKey.LENGTH];
        new java.util.Random(1).nextBytes(master);
        String hex = java.util.HexFormat.of().formatHex(master);
        assertThat(hex).doesNotContain(key.id());
    }
}
