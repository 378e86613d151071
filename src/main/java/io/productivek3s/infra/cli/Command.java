package io.productivek3s.infra.cli;

import java.util.function.Function;

/**
 * What a {@link CommandTable} row runs: {@code options} turns the parsed command line into the command's own typed
 * options record (checking its flags, so a bad value costs nothing), {@code handler} runs the command with them and
 * renders its result. docs/architecture.md "Adding a command".
 *
 * @param <O> the command's options record
 */
record Command<O>(Function<Invocation, O> options, Handler<O> handler) {

    /** Runs one command with its options; returns the exit code. */
    @FunctionalInterface
    interface Handler<O> {
        int run(Call call, O options);
    }

    /** A command that reads no flag of its own. */
    static Command<Invocation> plain(Handler<Invocation> handler) {
        return new Command<>(invocation -> invocation, handler);
    }

    int run(Call call) {
        return handler.run(call, options.apply(call.invocation()));
    }
}
