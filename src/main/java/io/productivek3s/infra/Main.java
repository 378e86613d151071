package io.productivek3s.infra;

/** Process entry point (placeholder until the CLI lands in this same change set). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(0);
    }
}
