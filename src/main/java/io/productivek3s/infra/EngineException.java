package io.productivek3s.infra;

/**
 * A terminal engine error: one ERROR line and a documented exit code (docs/cli.md#exit-codes, docs/contract/output.md#messages).
 * Thrown anywhere below the CLI; the entry point prints {@link #getMessage()} and exits with {@link #exitCode()}.
 * The message is a single line and MUST NOT contain secret values.
 */
public final class EngineException extends RuntimeException {
    public static final int RUNTIME = 1;
    public static final int USAGE = 2;
    public static final int MISSING = 3;
    public static final int INVALID = 4;
    public static final int DEPENDENCY = 5;

    private final int exitCode;

    public EngineException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public EngineException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** Exit 2: bad command line. */
    public static EngineException usage(String message) {
        return new EngineException(USAGE, message);
    }

    /** Exit 3: missing argument, file or directory. */
    public static EngineException missing(String message) {
        return new EngineException(MISSING, message);
    }

    /** Exit 4: contract, validation or binding violation. */
    public static EngineException invalid(String message) {
        return new EngineException(INVALID, message);
    }

    /** Exit 5: missing host dependency. */
    public static EngineException dependency(String command) {
        return new EngineException(DEPENDENCY, "missing dependency: " + command);
    }

    /** Exit 1: runtime failure not caused by caller input. */
    public static EngineException runtime(String message) {
        return new EngineException(RUNTIME, message);
    }
}
