package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.state.StateLayer;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.driver.ForwardingDriver;
import io.productivek3s.infra.state.driver.MemoryDriver;
import io.productivek3s.infra.state.driver.StateDriver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** The encryption rows of the error table on the state layer over the memory driver, through the decorator. */
class MemorySealedStateErrorsTest extends SealedStateErrorsContract {
    private final Damaging backend = new Damaging(new MemoryDriver("memory:sealed"));

    @Override
    protected StateStore openStore(Path mirror, UnaryOperator<StateDriver> decorate) {
        return StateLayer.open(decorate.apply(backend), mirror, ".pk3s-memory", w -> { }, d -> { });
    }

    @Override
    protected void damageStoredObjects(UnaryOperator<byte[]> damage) {
        backend.damage = damage;
    }

    /** The memory driver returning every object as {@link #damage} makes it. */
    private static final class Damaging extends ForwardingDriver {
        private volatile UnaryOperator<byte[]> damage = UnaryOperator.identity();

        Damaging(StateDriver driver) {
            super(driver);
        }

        @Override
        public InputStream open(String name, String sha256) throws IOException {
            try (InputStream in = super.open(name, sha256)) {
                return new ByteArrayInputStream(damage.apply(in.readAllBytes()));
            }
        }
    }
}
