package io.productivek3s.infra.env;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The opt-in escape hatch {@code PK3S_INFRA_ENV_EVAL=bash} (docs/contract/env-files.md#value-syntax): sources one file with all-export semantics in
 * a bash child and reports the variables it assigned or changed. Only bash builtins run after the file, so a file
 * that changes PATH or shadows commands cannot break the dump.
 */
final class BashEvaluator {
    private static final String DONE = "__PK3S_INFRA_ENV_EVAL_DONE__";

    /** The file's own stdout goes to stderr so it cannot corrupt the NUL-separated dump on stdout. */
    private static final String SCRIPT = String.join("\n",
            "set -a",
            ". \"$1\" >&2",
            "builtin set +a",
            "while IFS= builtin read -r __pk3s_infra_name; do",
            "  builtin printf '%s=%s\\0' \"$__pk3s_infra_name\" \"${!__pk3s_infra_name}\"",
            "done < <(builtin compgen -e)",
            "builtin printf '%s\\0' " + DONE,
            "");

    /** Variables bash maintains itself; they never come from the file. */
    private static final Set<String> BASH_OWNED = Set.of("_", "SHLVL", "PWD", "OLDPWD");

    private static final Pattern ASSIGNED_NAME =
            Pattern.compile("^[ \\t]*(?:export[ \\t]+)?([A-Za-z_][A-Za-z0-9_]*)\\+?=", Pattern.MULTILINE);

    private BashEvaluator() {
    }

    /**
     * Sources {@code file} with {@code environment} and returns, in file order where known, the variables that
     * differ from {@code environment} plus those the file visibly assigns (an assignment of an unchanged value
     * still counts as this file's assignment).
     */
    static Map<String, String> evaluate(Path file, String text, String displayPath, Map<String, String> environment) {
        Map<String, String> after = run(file, displayPath, environment);
        Set<String> names = new LinkedHashSet<>();
        Matcher matcher = ASSIGNED_NAME.matcher(EnvParser.normalize(text));
        while (matcher.find()) {
            if (after.containsKey(matcher.group(1))) {
                names.add(matcher.group(1));
            }
        }
        after.forEach((name, value) -> {
            if (!value.equals(environment.get(name))) {
                names.add(name);
            }
        });
        names.removeAll(BASH_OWNED);
        Map<String, String> imported = new LinkedHashMap<>();
        names.forEach(name -> imported.put(name, after.get(name)));
        return imported;
    }

    private static Map<String, String> run(Path file, String displayPath, Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", SCRIPT, "bash", file.toAbsolutePath().toString());
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw EngineException.dependency("bash");
        }
        try {
            process.getOutputStream().close();
            byte[] output;
            try (InputStream stdout = process.getInputStream()) {
                output = stdout.readAllBytes();
            }
            int exit = process.waitFor();
            return parseDump(new String(output, StandardCharsets.UTF_8), exit, displayPath);
        } catch (IOException e) {
            throw EngineException.runtime("env file " + displayPath + ": evaluation with bash failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.runtime("env file " + displayPath + ": evaluation with bash interrupted");
        } finally {
            process.destroy();
        }
    }

    private static Map<String, String> parseDump(String dump, int exit, String displayPath) {
        if (exit != 0 || !dump.endsWith(DONE + "\0")) {
            // The file exited early or bash failed; its own messages went to stderr. No values in this text.
            throw EngineException.invalid(
                    "env file " + displayPath + ": evaluation with bash failed (exit " + exit + ")");
        }
        Map<String, String> result = new LinkedHashMap<>();
        String body = dump.substring(0, dump.length() - DONE.length() - 1);
        for (String entry : body.split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                result.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return result;
    }
}
