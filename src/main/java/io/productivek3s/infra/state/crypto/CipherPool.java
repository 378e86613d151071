package io.productivek3s.infra.state.crypto;

import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.Deque;
import javax.crypto.Cipher;

/**
 * The AES-256-GCM ciphers of one {@link StateKey}, each with the two buffers of the item it works on, reused from item
 * to item (docs/performance.md "Encryption at rest", "Per-object costs"). Why: 10,000 small objects each looked up a
 * {@code Cipher} in the provider list and expanded the AES key schedule on their first {@code init}; a kept cipher
 * finds the key it last expanded and skips both, and its buffers are not allocated and zeroed again.
 *
 * <p>Safe to reuse because {@link Sealed} initialises the cipher for every chunk with that chunk's nonce (drawn at
 * random per item), so reuse never repeats a nonce, and a failed authentication leaves nothing behind that the next
 * {@code init} does not reset. A worker serves one item at a time: {@link Sealed} takes it when an item starts and
 * gives it back once the item's last bytes were read or its stream was closed. At most {@link #IDLE} are kept.
 */
final class CipherPool {
    /** Workers kept idle: one per stream open at once is the most any caller has. */
    static final int IDLE = 4;

    private final Deque<Worker> idle = new ArrayDeque<>();
    private int created;

    /** A worker for one item: an idle one, else a new one. */
    synchronized Worker take() {
        Worker worker = idle.pollFirst();
        if (worker == null) {
            worker = new Worker();
            created++;
        }
        return worker;
    }

    /** {@code worker} is done with its item: kept for the next one (unless enough are idle). */
    synchronized void give(Worker worker) {
        if (idle.size() < IDLE) {
            idle.addFirst(worker);
        }
    }

    /** How many workers (ciphers) this pool has made (tests: reuse). */
    synchronized int created() {
        return created;
    }

    /** One cipher and the chunk buffers of the item it works on (grown as items need, {@code Sealed.Chunker}). */
    static final class Worker {
        final Cipher cipher;
        byte[] input = new byte[0];
        byte[] output = new byte[0];

        private Worker() {
            try {
                cipher = Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES/GCM is required by every Java runtime", e);
            }
        }
    }
}
