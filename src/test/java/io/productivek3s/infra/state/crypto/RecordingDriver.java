package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.ForwardingDriver;
import io.productivek3s.infra.state.driver.MemoryDriver;
import io.productivek3s.infra.state.driver.ObjectSource;
import io.productivek3s.infra.state.driver.StoredRevision;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A backend as an observer sees it: a real {@link MemoryDriver} behind a driver that keeps every byte it is sent
 * (objects, their addresses, records, object sets) as a "dump", and can damage what it returns (tampering).
 */
final class RecordingDriver extends ForwardingDriver {
    final MemoryDriver backend;
    private final ByteArrayOutputStream dump = new ByteArrayOutputStream();
    UnaryOperator<byte[]> damage = UnaryOperator.identity();

    RecordingDriver() {
        this(new MemoryDriver("memory"));
    }

    private RecordingDriver(MemoryDriver backend) {
        super(backend);
        this.backend = backend;
    }

    /** Everything the backend was given, as text (ISO-8859-1: one char per byte), for grepping. */
    synchronized String dump() {
        return dump.toString(StandardCharsets.ISO_8859_1);
    }

    private synchronized void record(String label, byte[] bytes) {
        dump.writeBytes(("\n" + label + "\n").getBytes(StandardCharsets.ISO_8859_1));
        dump.writeBytes(bytes);
    }

    @Override
    public long put(String name, String sha256, long size, ObjectSource source) throws IOException {
        byte[] bytes;
        try (InputStream in = source.open()) {
            bytes = in.readAllBytes();
        }
        record("object " + name + " " + sha256, bytes);
        return super.put(name, sha256, size, () -> new ByteArrayInputStream(bytes));
    }

    @Override
    public InputStream open(String name, String sha256) throws IOException {
        try (InputStream in = super.open(name, sha256)) {
            return new ByteArrayInputStream(damage.apply(in.readAllBytes()));
        }
    }

    @Override
    public Optional<StoredRevision> read(String name, long revision) throws IOException {
        return super.read(name, revision).map(r -> new StoredRevision(r.info(), r.summary(), damage.apply(r.payload())));
    }

    @Override
    public void append(String name, OptionalLong expectedLatest, StoredRevision revision, Set<String> objects, Fence fence)
            throws IOException {
        record("record " + name + " " + revision.info() + " objects " + objects, revision.summary());
        record("payload", revision.payload());
        super.append(name, expectedLatest, revision, objects, fence);
    }

    @Override
    public void replace(String name, StoredRevision revision, Set<String> objects, Fence fence) throws IOException {
        record("replaced record " + name + " " + revision.info() + " objects " + objects, revision.summary());
        record("payload", revision.payload());
        super.replace(name, revision, objects, fence);
    }

    @Override
    public byte[] putSettingIfAbsent(String key, byte[] value) throws IOException {
        record("setting " + key, value);
        return super.putSettingIfAbsent(key, value);
    }
}
