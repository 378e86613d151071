package io.productivek3s.infra.env;

import io.productivek3s.infra.log.Redactor;
import java.util.Objects;

/** One resolved assignment with its provenance. */
public record EnvValue(String name, String value, Origin origin) {
    public EnvValue {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(origin, "origin");
    }

    /** Masks values of secret-looking names so an accidentally logged record cannot leak them (docs/contract/output.md#debug-output). */
    @Override
    public String toString() {
        String shown = Redactor.isSecretName(name) && !value.isEmpty() ? Redactor.MASK : value;
        return "EnvValue[" + name + "=" + shown + " from " + origin.describe() + "]";
    }
}
