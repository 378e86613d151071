package io.productivek3s.infra.state.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SealedTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final StateKey key = key(1);
    private final StateKey other = key(2);
    private final Binding binding = Binding.object("siteA", key.address("siteA", "ab".repeat(32)));

    static StateKey key(int seed) {
        byte[] master = new byte[StateKey.LENGTH];
        new Random(seed).nextBytes(master);
        return StateKey.of(master);
    }

    static byte[] plain(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    @Test
    void roundTripsEverySizeAroundTheChunkBoundaryAndPredictsTheSealedSize() throws IOException {
        for (int size : List.of(0, 1, 100, Sealed.CHUNK - 1, Sealed.CHUNK, Sealed.CHUNK + 1, 3 * Sealed.CHUNK)) {
            byte[] plain = plain(size);
            byte[] sealed = Sealed.seal(key, plain, binding, RANDOM);
            assertThat((long) sealed.length).as("size %d", size).isEqualTo(Sealed.sealedSize(size));
            assertThat(Sealed.isSealed(sealed)).isTrue();
            assertThat(Sealed.keyId(sealed)).contains(key.id());
            assertThat(Sealed.open(KeyRing.of(key, List.of()), sealed, binding)).as("size %d", size).isEqualTo(plain);
            try (InputStream in = Sealed.open(KeyRing.of(key, List.of()), new ByteArrayInputStream(sealed), binding)) {
                assertThat(in.readAllBytes()).isEqualTo(plain); // the stream path, read in pieces
            }
        }
    }

    @Test
    void theSamePlaintextSealsDifferentlyEveryTime() {
        byte[] plain = plain(64);
        assertThat(Sealed.seal(key, plain, binding, RANDOM)).isNotEqualTo(Sealed.seal(key, plain, binding, RANDOM));
    }

    @Test
    void aSealedItemDoesNotContainItsPlaintext() {
        byte[] plain = "password=hunter2-planted-secret".repeat(100).getBytes();
        byte[] sealed = Sealed.seal(key, plain, binding, RANDOM);
        assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("hunter2");
    }

    @Test
    void everyFlippedByteIsRefused() {
        byte[] sealed = Sealed.seal(key, plain(2 * Sealed.CHUNK + 10), binding, RANDOM);
        KeyRing keys = KeyRing.of(key, List.of());
        for (int position : new int[] {Sealed.HEADER - 1, Sealed.HEADER, Sealed.HEADER + Sealed.CHUNK + 3, sealed.length - 1}) {
            byte[] tampered = sealed.clone();
            tampered[position] ^= 0x01;
            assertThatThrownBy(() -> Sealed.open(keys, tampered, binding)).as("byte %d", position)
                    .isInstanceOf(EngineException.class)
                    .hasMessage("refusing profile state 'siteA': its " + binding.describe() + " does not authenticate under key "
                            + key.id() + ": it was changed, or moved from another object or cluster; nothing was changed")
                    .extracting(e -> ((EngineException) e).exitCode()).isEqualTo(EngineException.INVALID);
        }
    }

    @Test
    void aTruncatedItemIsRefusedAsTruncatedAtAChunkBoundaryAndInside() {
        byte[] sealed = Sealed.seal(key, plain(2 * Sealed.CHUNK + 10), binding, RANDOM);
        KeyRing keys = KeyRing.of(key, List.of());
        int boundary = Sealed.HEADER + Sealed.CHUNK + Sealed.TAG;
        assertThatThrownBy(() -> Sealed.open(keys, Arrays.copyOf(sealed, boundary), binding))
                .hasMessageContaining("(key " + key.id() + ") is truncated");
        assertThatThrownBy(() -> Sealed.open(keys, Arrays.copyOf(sealed, Sealed.HEADER - 3), binding))
                .hasMessageContaining("is truncated");
        assertThatThrownBy(() -> Sealed.open(keys, Arrays.copyOf(sealed, Sealed.HEADER), binding))
                .hasMessageContaining("is truncated");
        assertThatThrownBy(() -> Sealed.open(keys, Arrays.copyOf(sealed, sealed.length - 1), binding))
                .isInstanceOf(EngineException.class);
    }

    @Test
    void anAppendedOrReorderedChunkIsRefused() {
        byte[] sealed = Sealed.seal(key, plain(2 * Sealed.CHUNK), binding, RANDOM);
        KeyRing keys = KeyRing.of(key, List.of());
        byte[] longer = Arrays.copyOf(sealed, sealed.length + Sealed.TAG + 5);
        assertThatThrownBy(() -> Sealed.open(keys, longer, binding)).hasMessageContaining("does not authenticate");
        int chunk = Sealed.CHUNK + Sealed.TAG;
        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, Sealed.HEADER, swapped, Sealed.HEADER + chunk, chunk);
        System.arraycopy(sealed, Sealed.HEADER + chunk, swapped, Sealed.HEADER, chunk);
        assertThatThrownBy(() -> Sealed.open(keys, swapped, binding)).hasMessageContaining("does not authenticate");
    }

    @Test
    void aCiphertextMovedToAnotherClusterObjectOrRecordDoesNotOpen() {
        byte[] sealed = Sealed.seal(key, plain(100), binding, RANDOM);
        KeyRing keys = KeyRing.of(key, List.of());
        for (Binding elsewhere : List.of(Binding.object("siteB", binding.id()), Binding.object("siteA", "cd".repeat(32)),
                Binding.record("siteA", 1))) {
            assertThatThrownBy(() -> Sealed.open(keys, sealed, elsewhere)).as(elsewhere.toString())
                    .hasMessageContaining("does not authenticate");
        }
        byte[] record = Sealed.seal(key, plain(100), Binding.record("siteA", 3), RANDOM);
        assertThatThrownBy(() -> Sealed.open(keys, record, Binding.record("siteA", 4)))
                .hasMessageStartingWith("refusing revision 4 of profile state 'siteA': its encrypted record does not authenticate");
    }

    @Test
    void noKeyAnUnknownKeyAndOldKeysAreToldApartByKeyId() {
        byte[] sealed = Sealed.seal(key, plain(10), binding.inRevision(7), RANDOM);
        Binding read = binding.inRevision(7);
        assertThatThrownBy(() -> Sealed.open(KeyRing.none(), sealed, read)).isInstanceOf(EngineException.class)
                .hasMessage("refusing revision 7 of profile state 'siteA': its " + read.describe() + " is sealed with key "
                        + key.id() + " and no state key is set: set PK3S_STATE_ENCRYPTION_KEY_FILE or "
                        + "PK3S_STATE_PASSPHRASE_FILE (docs/state.md \"Encryption at rest\"); nothing was changed");
        assertThatThrownBy(() -> Sealed.open(KeyRing.of(other, List.of()), sealed, read))
                .hasMessageContaining("is sealed with key " + key.id() + ", which is neither the current key (" + other.id()
                        + ") nor one of PK3S_STATE_ENCRYPTION_OLD_KEY_FILES (none)");
        assertThat(Sealed.open(KeyRing.of(other, List.of(key)), sealed, read)).isEqualTo(plain(10));
        assertThat(Sealed.open(KeyRing.of(other, List.of(key)).readOnly(), sealed, read)).isEqualTo(plain(10));
    }

    @Test
    void plainBytesAreNotSealedAndAnUnknownFormatIsNamed() {
        assertThat(Sealed.isSealed("{\"revision\": 1}".getBytes())).isFalse();
        assertThat(Sealed.keyId("{}".getBytes())).isEmpty();
        KeyRing keys = KeyRing.of(key, List.of());
        assertThatThrownBy(() -> Sealed.open(keys, "{\"revision\": 1}".getBytes(), binding))
                .hasMessageContaining("is not in the sealed format");
        byte[] newer = Sealed.seal(key, plain(10), binding, RANDOM);
        newer[4] = 9;
        assertThatThrownBy(() -> Sealed.open(keys, newer, binding))
                .hasMessageContaining("has encryption format 9, which this engine does not know");
    }

    @Test
    void itemsSealedInAnyAcceptedChunkSizeOpenTheFirstVersionsOneMibChunksIncluded() throws IOException {
        KeyRing keys = KeyRing.of(key, List.of());
        byte[] plain = plain(2 * (1 << Sealed.MAX_CHUNK_LOG2) + 10);
        for (int log2 : new int[] {Sealed.MIN_CHUNK_LOG2, Sealed.CHUNK_LOG2, Sealed.MAX_CHUNK_LOG2}) {
            byte[] sealed;
            try (InputStream in = Sealed.seal(key, new ByteArrayInputStream(plain), binding, RANDOM, log2)) {
                sealed = in.readAllBytes();
            }
            long chunks = (plain.length + (1L << log2) - 1) >> log2;
            assertThat((long) sealed.length).as("chunk 2^%d", log2).isEqualTo(Sealed.HEADER + plain.length + chunks * Sealed.TAG);
            assertThat(Sealed.open(keys, sealed, binding)).as("chunk 2^%d", log2).isEqualTo(plain);
        }
    }

    @Test
    void aChunkSizeOutsideTheAcceptedRangeIsAnUnknownFormatAndATamperedOneDoesNotAuthenticate() {
        KeyRing keys = KeyRing.of(key, List.of());
        for (int log2 : new int[] {Sealed.MIN_CHUNK_LOG2 - 1, Sealed.MAX_CHUNK_LOG2 + 1, 31, -1}) {
            byte[] sealed = Sealed.seal(key, plain(10), binding, RANDOM);
            sealed[5] = (byte) log2;
            assertThatThrownBy(() -> Sealed.open(keys, sealed, binding)).as("chunk 2^%d", log2)
                    .hasMessageContaining("which this engine does not know");
        }
        byte[] sealed = Sealed.seal(key, plain(10), binding, RANDOM);
        sealed[5] = Sealed.MAX_CHUNK_LOG2; // in range, but the header is authenticated with every chunk
        assertThatThrownBy(() -> Sealed.open(keys, sealed, binding)).isInstanceOf(EngineException.class)
                .hasMessageNotContaining("does not know");
    }

    @Test
    void keysAndRingsNeverPrintSecretBytes() {
        assertThat(key.toString()).isEqualTo("StateKey[" + key.id() + "]");
        assertThat(KeyRing.of(key, List.of(other)).toString()).isEqualTo("KeyRing[current=" + key.id() + ", old=["
                + other.id() + "]]");
    }
}
