package io.productivek3s.infra.env;

import io.productivek3s.infra.EngineException;

/** A parse failure; kept apart from EngineException so the bash escape hatch can tell constructs from errors. */
final class EnvSyntaxException extends RuntimeException {
    private final boolean unsupportedConstruct;

    private EnvSyntaxException(String message, boolean unsupportedConstruct) {
        super(message, null, false, false);
        this.unsupportedConstruct = unsupportedConstruct;
    }

    static EnvSyntaxException syntax(String path, int line) {
        return new EnvSyntaxException("env file " + path + ":" + line + ": unsupported syntax", false);
    }

    static EnvSyntaxException unterminatedQuote(String path, int line) {
        return new EnvSyntaxException("env file " + path + ":" + line + ": unterminated quote", false);
    }

    static EnvSyntaxException controlCharacter(String path, int line, char c) {
        return new EnvSyntaxException("env file " + path + ":" + line + ": control character "
                + String.format("U+%04X", (int) c) + " is not allowed", false);
    }

    /** {@code construct} is a fixed template or operator plus variable names, never value text. */
    static EnvSyntaxException construct(String path, int line, String construct) {
        return new EnvSyntaxException(
                "env file " + path + ":" + line + ": unsupported shell construct '" + construct + "'", true);
    }

    /** True for valid shell that the declarative subset does not cover (candidates for PK3S_INFRA_ENV_EVAL=bash). */
    boolean unsupportedConstruct() {
        return unsupportedConstruct;
    }

    EngineException toEngineException() {
        return EngineException.invalid(getMessage());
    }
}
