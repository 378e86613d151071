package io.productivek3s.infra.state.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The ciphers {@link Sealed} reuses from item to item ({@link CipherPool}): reuse changes no byte and no guarantee. */
class CipherPoolTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final StateKey key = SealedTest.key(7);
    private final KeyRing ring = KeyRing.of(key, List.of());
    private final Binding binding = Binding.object("siteA", key.address("siteA", "cd".repeat(32)));

    @Test
    void itemAfterItemUsesOneCipherAndEveryItemStillGetsItsOwnNonce() {
        byte[] plain = SealedTest.plain(300);
        Set<String> nonces = new HashSet<>();
        Set<String> sealedForms = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            byte[] sealed = Sealed.seal(key, plain, binding, RANDOM);
            nonces.add(Arrays.toString(Arrays.copyOfRange(sealed, Sealed.HEADER - Sealed.NONCE, Sealed.HEADER)));
            sealedForms.add(Arrays.toString(sealed));
            assertThat(Sealed.open(ring, sealed, binding)).isEqualTo(plain);
        }
        assertThat(nonces).hasSize(50);
        assertThat(sealedForms).hasSize(50);
        assertThat(key.ciphers().created()).isEqualTo(1);
    }

    @Test
    void aFailedOpenDoesNotPoisonTheCipherTheNextItemGets() {
        byte[] plain = SealedTest.plain(2 * Sealed.CHUNK + 5);
        byte[] sealed = Sealed.seal(key, plain, binding, RANDOM);
        for (int position : new int[] {Sealed.HEADER + 1, sealed.length - 1}) {
            byte[] tampered = sealed.clone();
            tampered[position] ^= 0x10;
            assertThatThrownBy(() -> Sealed.open(ring, tampered, binding)).isInstanceOf(EngineException.class)
                    .hasMessageContaining("does not authenticate");
            assertThat(Sealed.open(ring, sealed, binding)).isEqualTo(plain);
        }
        byte[] cut = Arrays.copyOf(sealed, Sealed.HEADER + Sealed.CHUNK + Sealed.TAG); // cut at a chunk boundary
        assertThatThrownBy(() -> Sealed.open(ring, cut, binding)).hasMessageContaining("truncated");
        assertThat(Sealed.open(ring, sealed, binding)).isEqualTo(plain);
        byte[] again = SealedTest.plain(77);
        assertThat(Sealed.open(ring, Sealed.seal(key, again, binding, RANDOM), binding)).isEqualTo(again);
    }

    @Test
    void aCipherGoesBackOnlyOnceItsItemWasReadToTheEndOrClosed() throws IOException {
        byte[] a = SealedTest.plain(3 * Sealed.CHUNK + 11);
        byte[] b = SealedTest.plain(Sealed.CHUNK + 3);
        byte[] c = SealedTest.plain(9000);
        InputStream sealingA = Sealed.seal(key, new ByteArrayInputStream(a), binding, RANDOM);
        InputStream sealingB = Sealed.seal(key, new ByteArrayInputStream(b), binding, RANDOM);
        ByteArrayOutputStream outA = new ByteArrayOutputStream();
        ByteArrayOutputStream outB = new ByteArrayOutputStream();
        byte[] piece = new byte[1000];
        // interleaved: A and B hold a cipher each at once
        for (boolean moreA = true, moreB = true; moreA || moreB; ) {
            moreA = moreA && copyPiece(sealingA, outA, piece);
            moreB = moreB && copyPiece(sealingB, outB, piece);
            if (!moreA && moreB) {
                // A ended and gave its cipher back while B still reads: C takes it, B's bytes must not change
                byte[] sealedC = Sealed.seal(key, c, binding, RANDOM);
                assertThat(Sealed.open(ring, sealedC, binding)).isEqualTo(c);
            }
        }
        assertThat(Sealed.open(ring, outA.toByteArray(), binding)).isEqualTo(a);
        assertThat(Sealed.open(ring, outB.toByteArray(), binding)).isEqualTo(b);
        assertThat(key.ciphers().created()).isEqualTo(2);
    }

    @Test
    void aClosedStreamGivesItsCipherBackAndIsNotReadAgain() throws IOException {
        byte[] plain = SealedTest.plain(2 * Sealed.CHUNK);
        byte[] sealed = Sealed.seal(key, plain, binding, RANDOM);
        InputStream opening = Sealed.open(ring, new ByteArrayInputStream(sealed), binding);
        assertThat(opening.readNBytes(10)).isEqualTo(Arrays.copyOf(plain, 10));
        opening.close();
        assertThatThrownBy(opening::read).isInstanceOf(IOException.class);
        assertThat(Sealed.open(ring, sealed, binding)).isEqualTo(plain); // the cipher it gave back
        assertThat(key.ciphers().created()).isEqualTo(1);
    }

    @Test
    void buffersAnOpenedItemGrewServeTheNextSealedItemAndTheOtherWayRound() {
        // opening reads chunk + tag bytes at a time, sealing a chunk: a kept buffer fits one and exceeds the other
        byte[] big = SealedTest.plain(2 * Sealed.CHUNK + 100);
        byte[] sealed = Sealed.seal(key, big, binding, RANDOM);
        assertThat(Sealed.open(ring, sealed, binding)).isEqualTo(big);
        byte[] resealed = Sealed.seal(key, big, binding, RANDOM);
        assertThat(resealed).hasSize(sealed.length);
        assertThat(Sealed.open(ring, resealed, binding)).isEqualTo(big);
        byte[] small = SealedTest.plain(5);
        assertThat(Sealed.open(ring, Sealed.seal(key, small, binding, RANDOM), binding)).isEqualTo(small);
        assertThat(key.ciphers().created()).isEqualTo(1);
    }

    private static boolean copyPiece(InputStream in, ByteArrayOutputStream out, byte[] piece) throws IOException {
        int n = in.read(piece);
        if (n < 0) {
            return false;
        }
        out.write(piece, 0, n);
        return true;
    }

    @Test
    void anAddressIsTheSameEveryTimeAndDiffersPerClusterAndDigest() {
        String first = key.address("siteA", "ab".repeat(32));
        assertThat(key.address("siteA", "ab".repeat(32))).isEqualTo(first).hasSize(64);
        assertThat(key.address("siteB", "ab".repeat(32))).isNotEqualTo(first);
        assertThat(key.address("siteA", "ac".repeat(32))).isNotEqualTo(first);
        assertThat(SealedTest.key(7).address("siteA", "ab".repeat(32))).isEqualTo(first); // a fresh key object agrees
    }
}
