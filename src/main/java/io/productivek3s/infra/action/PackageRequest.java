package io.productivek3s.infra.action;

import java.time.Duration;
import java.util.Objects;

/**
 * What the user asked of a packaged profile: the command ({@code install}, {@code apply}, {@code status},
 * {@code plan}, {@code destroy}, {@code validate}, {@code export}), the {@code --tgz} and {@code --env-file} values as
 * typed (null when absent), {@code --dry-run}, the validated {@code --name} that keys the state (null: the package's
 * {@code metadata.name}), how long to wait for the state lock ({@code --lock-timeout}, zero: not at all) and whether
 * the package may take over a cluster name another package's state holds ({@code --replace}).
 */
public record PackageRequest(String command, String tgz, String envFile, boolean dryRun, String name, Duration lockTimeout,
        boolean replace) {
    public PackageRequest {
        Objects.requireNonNull(lockTimeout, "lockTimeout");
    }

    /** A request that does not let its package take over another package's cluster name. */
    public PackageRequest(String command, String tgz, String envFile, boolean dryRun, String name, Duration lockTimeout) {
        this(command, tgz, envFile, dryRun, name, lockTimeout, false);
    }

    /** A request keyed by the package's own name that does not wait for the lock. */
    public PackageRequest(String command, String tgz, String envFile, boolean dryRun) {
        this(command, tgz, envFile, dryRun, null, Duration.ZERO);
    }

    public boolean installLike() {
        return command.equals("install") || command.equals("apply");
    }

    /** Whether the run executes the package's installer: install or apply without {@code --dry-run}. */
    public boolean runsInstaller() {
        return installLike() && !dryRun;
    }

    public String operation() {
        return "profile." + command;
    }

    /** The same request for the package found at {@code tgz} (status/plan/destroy without --tgz). */
    PackageRequest withTgz(String tgz) {
        return new PackageRequest(command, tgz, envFile, dryRun, name, lockTimeout, replace);
    }
}
