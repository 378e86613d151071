package io.productivek3s.infra.run;

import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Temp directories of this engine carry their owner in the name, {@code pk3s-infra-<pid>-<start millis>-<random>},
 * so a later run can remove those left by a run that was killed (SIGKILL, power loss) before its cleanup: only
 * directories owned by the current user whose process is gone (or whose pid now belongs to another process, with a
 * different start time) are removed. Anything else under the temp dir is never touched.
 */
final class DeadRunTemp {
    static final String PREFIX = "pk3s-infra-";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d{1,10})-(\\d{1,19})-[^/]+");

    private DeadRunTemp() {
    }

    /** The name prefix of a new temp directory for the current process. */
    static String prefixForThisProcess() {
        ProcessHandle self = ProcessHandle.current();
        return PREFIX + self.pid() + "-" + startMillis(self).orElse(0L) + "-";
    }

    /**
     * Removes leftovers of dead runs beside {@code own} (this run's fresh temp dir, whose owner is the current
     * user as the file system sees it); best effort, never fails the current run.
     */
    static int sweep(Path own) {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(own.getParent(), PREFIX + "*")) {
            UserPrincipal user = Files.getOwner(own, LinkOption.NOFOLLOW_LINKS);
            for (Path entry : entries) {
                if (!entry.equals(own) && leftOfADeadRun(entry, user)) {
                    Files2.deleteQuietly(entry);
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable temp dir only means nothing is swept this time
        }
        return removed;
    }

    static boolean leftOfADeadRun(Path entry, UserPrincipal user) throws IOException {
        Matcher name = NAME.matcher(entry.getFileName().toString());
        if (!name.matches()) {
            return false; // older or foreign names: their owner cannot be told
        }
        PosixFileAttributes attributes = Files.readAttributes(entry, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory() || !attributes.owner().equals(user)) {
            return false;
        }
        long pid = Long.parseLong(name.group(1));
        long started = Long.parseLong(name.group(2));
        Optional<ProcessHandle> owner = ProcessHandle.of(pid);
        if (owner.isEmpty()) {
            return true;
        }
        Optional<Long> actualStart = startMillis(owner.get());
        // same pid, different start: the pid was reused after the owner died
        return actualStart.isPresent() && started != 0 && actualStart.get() != started;
    }

    private static Optional<Long> startMillis(ProcessHandle handle) {
        return handle.info().startInstant().map(java.time.Instant::toEpochMilli);
    }
}
