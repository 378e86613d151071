package io.productivek3s.infra.state;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Child-process helper for lock tests: locks args[0], prints "locked", holds until stdin closes. JDK classes only. */
public final class ForeignLockProcess {
    private ForeignLockProcess() {
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            System.out.println(lock.isValid() ? "locked" : "not locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the lock until the parent closes our stdin
            }
        }
    }
}
