package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.catalog.TgzArgument;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The package {@code profile status|plan|destroy --name <cluster>} runs when {@code --tgz} is omitted: the one the
 * cluster's {@code engine-state.json} records, if it is still there with the same sha256 (its recorded local file,
 * which for a download is the cache's copy, else its reference resolved again). A package that is gone or changed
 * is never guessed at: the contract's missing-{@code --tgz} error (exit 3), saying why. The override env file is not
 * taken from the state; it is selected as always (docs/contract/env-files.md#override-file-and-relative-paths).
 */
final class RecordedPackage {
    private static final List<String> MAY_OMIT = List.of("status", "plan", "destroy");

    private final EngineContext context;
    private final PackageSource source;
    private final StateStores stores;

    RecordedPackage(EngineContext context, PackageSource source, StateStores stores) {
        this.context = context;
        this.source = source;
        this.stores = stores;
    }

    PackageSource.Resolved find(PackageRequest request) {
        String missing = "the 'profile " + request.command() + "' command requires --tgz <file>";
        if (request.name() == null || !MAY_OMIT.contains(request.command())) {
            throw EngineException.missing(missing);
        }
        Optional<EngineState> state;
        try (StateStore store = stores.open()) {
            state = store.readEngineState(request.name());
        } catch (IOException e) {
            throw EngineException.runtime("could not read profile state for '" + request.name() + "': " + e.getMessage());
        }
        EngineState.PackageRef pkg = state.map(EngineState::pkg).orElse(null);
        if (pkg == null || pkg.sha256() == null) {
            throw EngineException.missing(missing + ": no state named '" + request.name() + "' records a package");
        }
        Optional<PackageSource.Resolved> found = recordedFile(pkg).or(() -> byReference(pkg).map(source::accept));
        if (found.isEmpty()) {
            String shown = pkg.path() != null ? pkg.path() : pkg.ref();
            throw EngineException.missing(missing + ": the package recorded for '" + request.name() + "' (" + shown
                    + ") is gone or changed");
        }
        context.log().info("Using the package recorded for '" + request.name() + "': " + found.get().file());
        return found.get();
    }

    private Optional<PackageSource.Resolved> recordedFile(EngineState.PackageRef pkg) {
        if (pkg.path() == null) {
            return Optional.empty();
        }
        Path file = Path.of(pkg.path());
        return matches(file, pkg.sha256()) ? Optional.of(source.recorded(file, pkg.ref())) : Optional.empty();
    }

    /** An older record, or a file that moved: the reference as typed (a path, URL or catalog name) once more. */
    private Optional<PackageSource.Resolved> byReference(EngineState.PackageRef pkg) {
        if (pkg.ref() == null || pkg.ref().isEmpty()) {
            return Optional.empty();
        }
        if (TgzArgument.SHELL_PIPE.matcher(pkg.ref()).matches()) {
            // '--tgz <(…)' named a pipe of that run's shell: in this run the same /dev/fd/N is something else
            // (maybe another <(…) argument), which must not be consumed
            return Optional.empty();
        }
        try {
            PackageSource.Resolved resolved = source.inspect(pkg.ref());
            if (!matches(resolved.file(), pkg.sha256())) {
                return Optional.empty();
            }
            // outside the catch's reach: a refused signature is exit 4, not "the package is gone"
            return Optional.of(resolved);
        } catch (EngineException gone) {
            context.log().debug("recorded package reference " + pkg.ref() + " no longer resolves: " + gone.getMessage());
            return Optional.empty();
        }
    }

    /** Whether {@code file} (a regular file, or a link to one) holds exactly the bytes of {@code sha256}. */
    static boolean matches(Path file, String sha256) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file)) {
            return false;
        }
        try {
            return Digests.sha256(file).equals(sha256);
        } catch (UncheckedIOException unreadable) {
            return false;
        }
    }
}
