package io.productivek3s.infra.source;

import io.productivek3s.infra.run.EngineContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code list-profiles} (docs/contract/source.md#list-profiles): every regular {@code *.env} file under {@code <checkout>/profiles},
 * symlinks neither followed nor listed, as {@code profiles/<relative path>} in byte order (D35: the bash engine
 * sorted with the locale). Sidecars are never listed.
 */
public final class ListProfiles {
    private final EngineContext context;

    public ListProfiles(EngineContext context) {
        this.context = context;
    }

    /** {@code profiles/<relative path>} of every source profile, in byte order. */
    public List<String> profiles() {
        context.release().checkBinding();
        Path profiles = ProfilesCheckout.require(context, "list-profiles").profilesDir();
        return list(profiles).stream().map(rel -> "profiles/" + rel).toList();
    }

    static List<String> list(Path profiles) {
        try (Stream<Path> walk = Files.walk(profiles)) {
            return walk.filter(path -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS))
                    .filter(path -> path.getFileName().toString().endsWith(".env"))
                    .map(path -> profiles.relativize(path).toString())
                    .sorted(ListProfiles::compareBytes)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + profiles, e);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot list " + profiles, e.getCause());
        }
    }

    private static int compareBytes(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
