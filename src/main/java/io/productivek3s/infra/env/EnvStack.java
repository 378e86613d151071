package io.productivek3s.infra.env;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Env files evaluated in order in one scope (docs/contract/env-files.md#lookup-and-precedence): a reference resolves to the latest assignment made
 * so far by any loaded file (or pin), else the process environment, else empty. Later loads win. Files are parsed
 * declaratively; with {@code bashEval} a file that uses an unsupported shell construct is sourced by bash instead.
 */
public final class EnvStack {
    private final Map<String, String> processEnv;
    private final Consumer<String> warn;
    private final boolean bashEval;
    private final Map<String, EnvValue> scope = new LinkedHashMap<>();
    private long scopeChars;
    private AssignmentGuard guard;

    /**
     * @param processEnv the engine's process environment (after release.env is applied, docs/contract/core.md#release-binding)
     * @param warn receives warning texts without level prefix; the caller logs them as WARN
     * @param bashEval true when {@code PK3S_INFRA_ENV_EVAL=bash}
     */
    public EnvStack(Map<String, String> processEnv, Consumer<String> warn, boolean bashEval) {
        this.processEnv = Collections.unmodifiableMap(new LinkedHashMap<>(processEnv));
        this.warn = warn == null ? w -> { } : warn;
        this.bashEval = bashEval;
    }

    /** Installs the guard consulted before every assignment of later loads; {@code null} removes it. */
    public void setGuard(AssignmentGuard guard) {
        this.guard = guard;
    }

    /**
     * Reads and evaluates {@code file} in the shared scope. {@code displayPath} is the path as the user gave it and
     * is the only path used in messages and origins.
     *
     * @throws EngineException exit 4 for unreadable files and unsupported syntax
     */
    public EnvFile load(Path file, String displayPath, Layer layer) {
        String text = read(file, displayPath);
        return evaluate(text, file, displayPath, layer);
    }

    /** Same as {@link #load} for text that is not on disk (the bash escape hatch then uses a private temp file). */
    public EnvFile loadText(String text, String displayPath, Layer layer) {
        return evaluate(text, null, displayPath, layer);
    }

    /** Effective value per name assigned by any loaded file or pin (later wins), in first-assignment order. */
    public Map<String, EnvValue> fileValues() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(scope));
    }

    /** File value, else process environment value (docs/contract/env-files.md#lookup-and-precedence: override > package > process). */
    public Optional<String> effective(String name) {
        return Optional.ofNullable(lookup(name));
    }

    /** The process environment overlaid with every file value: what children see before engine-imposed keys. */
    public Map<String, String> effectiveEnvironment() {
        Map<String, String> merged = new LinkedHashMap<>(processEnv);
        scope.forEach((name, value) -> merged.put(name, value.value()));
        return Collections.unmodifiableMap(merged);
    }

    public Map<String, String> processEnv() {
        return processEnv;
    }

    /** Puts a value into the scope as if assigned, bypassing the guard (release binding re-imposes values, docs/contract/core.md#release-binding). */
    public void pin(String name, String value, Origin origin) {
        put(new EnvValue(name, value, origin));
    }

    private EnvFile evaluate(String text, Path source, String displayPath, Layer layer) {
        Objects.requireNonNull(displayPath, "displayPath");
        Objects.requireNonNull(layer, "layer");
        EnvParser.Parsed parsed;
        try {
            parsed = EnvParser.parse(text, displayPath);
        } catch (EnvSyntaxException e) {
            if (bashEval && e.unsupportedConstruct()) {
                return evaluateWithBash(text, source, displayPath, layer);
            }
            throw e.toEngineException();
        }
        parsed.warnings().forEach(warn);
        Expander expander = new Expander(this::lookup, EnvLimits.MAX_VALUE_CHARS);
        List<EnvValue> accepted = new ArrayList<>();
        for (EnvParser.Statement statement : parsed.statements()) {
            String value;
            try {
                value = expander.expand(statement.value());
            } catch (Expander.TooLong e) {
                throw tooLong(new Origin(layer, displayPath, statement.line()), statement.name());
            }
            assign(new EnvValue(statement.name(), value, new Origin(layer, displayPath, statement.line())), accepted);
        }
        return new EnvFile(displayPath, layer, accepted, parsed.warnings());
    }

    private EnvFile evaluateWithBash(String text, Path source, String displayPath, Layer layer) {
        String notice = "evaluating " + displayPath + " with bash (PK3S_INFRA_ENV_EVAL=bash)";
        warn.accept(notice);
        Map<String, String> imported = source != null
                ? BashEvaluator.evaluate(source, text, displayPath, effectiveEnvironment())
                : evaluateTextWithBash(text, displayPath);
        List<EnvValue> accepted = new ArrayList<>();
        Origin origin = new Origin(layer, displayPath, 0);
        imported.forEach((name, value) -> assign(new EnvValue(name, value, origin), accepted));
        return new EnvFile(displayPath, layer, accepted, List.of(notice));
    }

    private Map<String, String> evaluateTextWithBash(String text, String displayPath) {
        Path temp = null;
        try {
            temp = Files.createTempFile("pk3s-infra-env-", ".env",
                    PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE));
            Files.writeString(temp, text);
            return BashEvaluator.evaluate(temp, text, displayPath, effectiveEnvironment());
        } catch (IOException e) {
            throw EngineException.runtime("env file " + displayPath + ": cannot prepare bash evaluation");
        } finally {
            Files2.deleteQuietly(temp);
        }
    }

    private void assign(EnvValue value, List<EnvValue> accepted) {
        if (value.value().length() > EnvLimits.MAX_VALUE_CHARS) {
            throw tooLong(value.origin(), value.name()); // bash evaluation bypasses the expander's bound
        }
        if (guard != null && !guard.allow(value.name(), value.value(), value.origin())) {
            return;
        }
        put(value);
        accepted.add(value);
    }

    /** Stores a value, keeping the running size of the scope within {@link EnvLimits#MAX_TOTAL_CHARS}. */
    private void put(EnvValue value) {
        EnvValue previous = scope.get(value.name());
        long next = scopeChars - (previous == null ? 0 : size(previous)) + size(value);
        if (next > EnvLimits.MAX_TOTAL_CHARS) {
            throw EngineException.invalid(where(value.origin()) + "the variables from env files exceed "
                    + EnvLimits.MAX_TOTAL_CHARS + " characters in all (at " + value.name() + ")");
        }
        scope.put(value.name(), value);
        scopeChars = next;
    }

    private static long size(EnvValue value) {
        return value.name().length() + 1L + value.value().length();
    }

    private static EngineException tooLong(Origin origin, String name) {
        return EngineException.invalid(where(origin) + "value of " + name + " is longer than "
                + EnvLimits.MAX_VALUE_CHARS + " characters after expansion");
    }

    private static String where(Origin origin) {
        if (origin.file() == null || origin.file().isEmpty()) {
            return "";
        }
        return "env file " + origin.file() + (origin.line() > 0 ? ":" + origin.line() : "") + ": ";
    }

    private String lookup(String name) {
        EnvValue assigned = scope.get(name);
        return assigned != null ? assigned.value() : processEnv.get(name);
    }

    private static String read(Path file, String displayPath) {
        byte[] bytes;
        // Only regular files: a FIFO would block, /dev/zero never ends, a directory cannot be read.
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw EngineException.invalid("env file " + displayPath + ": not a regular file");
        }
        // FileInputStream, not Files.newInputStream: the latter loads ~35 channel classes, which every command would pay
        // for reading scripts/release.env (docs/performance.md "What the engine does before main returns that a hello
        // world does not"); env files are always on the default file system
        try (java.io.InputStream in = new java.io.FileInputStream(file.toFile())) {
            bytes = in.readNBytes(EnvLimits.MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw EngineException.invalid("env file " + displayPath + ": cannot be read");
        }
        if (bytes.length > EnvLimits.MAX_FILE_BYTES) {
            throw EngineException.invalid("env file " + displayPath + ": larger than " + EnvLimits.MAX_FILE_BYTES + " bytes");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw EngineException.invalid("env file " + displayPath + ": not valid UTF-8 text");
        }
    }
}
