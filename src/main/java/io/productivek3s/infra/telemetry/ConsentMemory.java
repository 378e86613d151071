package io.productivek3s.infra.telemetry;

import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.UserConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The consent prompt's answer, remembered in {@code ${XDG_CONFIG_HOME:-~/.config}/pk3s/telemetry} so that an
 * interactive user is asked once, not on every install (docs/telemetry.md "Who decides"). It stands in for the
 * prompt only: the process {@code TELEMETRY_ENABLED} and the override file still win, and a run without a terminal
 * still defaults to off. The file holds one {@code TELEMETRY_ENABLED} spelling ({@code true}, {@code no}, …);
 * anything else, or no file, means "ask".
 *
 * @param file where the answer is kept; empty when there is no home to keep it in
 */
public record ConsentMemory(Optional<Path> file) {
    public static final ConsentMemory NONE = new ConsentMemory(Optional.empty());
    private static final int MAX_BYTES = 64;

    /** The file under {@code XDG_CONFIG_HOME} (when absolute, as the XDG spec requires), else {@code $HOME/.config}. */
    public static ConsentMemory fromEnv(Map<String, String> env) {
        return UserConfig.directory(env).map(dir -> new ConsentMemory(Optional.of(dir.resolve("telemetry")))).orElse(NONE);
    }

    /** The remembered answer; empty when none is (readably) remembered. */
    Optional<Boolean> read() {
        if (file.isEmpty() || !Files.isRegularFile(file.get(), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file.get(), LinkOption.NOFOLLOW_LINKS)) {
            return Consent.parse(new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Keeps {@code enabled} (0600, written atomically); the file, or empty when it could not be written. */
    Optional<Path> remember(boolean enabled) {
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            Files2.createPrivateDirectories(file.get().getParent());
            Files2.writeAtomically(file.get(), enabled + "\n", Files2.FILE_PRIVATE);
            return file;
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // asked again next time: never a reason to fail a run
        }
    }
}
