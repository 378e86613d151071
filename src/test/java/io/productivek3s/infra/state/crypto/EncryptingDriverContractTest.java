package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.state.driver.MemoryDriver;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateDriverContract;
import java.security.SecureRandom;
import java.util.List;

/** The decorator is a driver like any other: the whole driver contract holds through it, sealing everything. */
class EncryptingDriverContractTest extends StateDriverContract {
    private final MemoryDriver backend = new MemoryDriver("memory");

    @Override
    protected StateDriver open() {
        return new EncryptingDriver(backend, KeyRing.of(SealedTest.key(1), List.of()), new SecureRandom());
    }
}
