import io.productivek3s.infra.state.crypto.Binding;
import io.productivek3s.infra.state.crypto.KeyRing;
import io.productivek3s.infra.state.crypto.Sealed;
import io.productivek3s.infra.state.crypto.StateKey;
import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.util.List;

/**
 * The per-object cost of encryption alone (docs/performance.md "Encryption at rest", "Per-object costs"): N small
 * items (the sizes of bench/state-encryption.sh's small-file runtime) each addressed, sealed, addressed again and
 * opened, as an encrypted persist and restore do per object, through the engine jar on the class path. Prints the
 * main thread's CPU time; bench/sealed-small-items.sh runs it under the launcher's flags, process CPU included.
 */
public class SealedSmallItems {
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        byte[] master = new byte[StateKey.LENGTH];
        new java.util.Random(1).nextBytes(master);
        StateKey key = StateKey.of(master);
        KeyRing ring = KeyRing.of(key, List.of());
        SecureRandom random = new SecureRandom();
        long start = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            byte[] plain = ("# generated file " + i + "\nkey: value-" + i + "\n" + "x".repeat(i % 200)).getBytes();
            String sha256 = String.format("%064x", i);
            byte[] sealed = Sealed.seal(key, plain, Binding.object("site", key.address("site", sha256)), random);
            bytes += Sealed.open(ring, sealed, Binding.object("site", key.address("site", sha256))).length;
        }
        long ms = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - start) / 1_000_000;
        System.out.println(ms + " ms main-thread CPU for " + n + " items sealed and opened (" + bytes + " plain bytes)");
    }
}
