import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM throughput as state/crypto/Sealed drives the JDK (one Cipher per item, init + AAD + doFinal per chunk
 * into a reused buffer), under whatever JIT flags the JVM was started with (bench/gcm-jit.sh runs the launcher's).
 * Prints seal and open MB/s of thread CPU time over the whole run and per 50 MB, which shows when the intrinsic
 * engages. Usage: java bench/GcmJit.java MB CHUNK_BYTES
 */
public final class GcmJit {
    public static void main(String[] args) throws Exception {
        int mb = Integer.parseInt(args[0]);
        int chunk = Integer.parseInt(args[1]);
        SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
        byte[] plain = new byte[chunk];
        new SecureRandom().nextBytes(plain);
        byte[] sealed = new byte[chunk + 16];
        byte[] opened = new byte[chunk];
        byte[] nonce = new byte[12];
        byte[] aad = new byte[60];
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int perMb = (1 << 20) / chunk;
        long seal = 0;
        long open = 0;
        long mark = threads.getCurrentThreadCpuTime();
        StringBuilder steps = new StringBuilder();
        for (int i = 0; i < mb * perMb; i++) {
            nonce[0] = (byte) i;
            nonce[1] = (byte) (i >>> 8);
            nonce[2] = (byte) (i >>> 16);
            long t0 = threads.getCurrentThreadCpuTime();
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(aad);
            int length = cipher.doFinal(plain, 0, chunk, sealed, 0);
            long t1 = threads.getCurrentThreadCpuTime();
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(aad);
            cipher.doFinal(sealed, 0, length, opened, 0);
            long t2 = threads.getCurrentThreadCpuTime();
            seal += t1 - t0;
            open += t2 - t1;
            if ((i + 1) % (50 * perMb) == 0) {
                steps.append(String.format(" %.0f", 100e9 / (t2 - mark)));
                mark = t2;
            }
        }
        System.out.printf("%n%d MB in %d-byte chunks: seal %.0f MB/s, open %.0f MB/s (CPU); per 50 MB, seal+open MB/s:%s%n",
                mb, chunk, mb * 1e9 / seal, mb * 1e9 / open, steps);
    }
}
