package io.productivek3s.infra.pkg;

/** One {@code spec.inputs[]} item (docs/contract/package.md#inputs); {@code description} is {@code ""} when absent. */
public record ProfileInput(String name, boolean required, boolean sensitive, InputSource source,
                           String description) {
}
