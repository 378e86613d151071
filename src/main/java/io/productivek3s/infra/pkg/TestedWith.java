package io.productivek3s.infra.pkg;

/** One informational {@code compatibility.testedWith.infra[]} item; fields are null when absent. */
public record TestedWith(String release, String core) {
}
