package io.productivek3s.infra.state.driver;

import io.productivek3s.infra.state.RevisionInfo;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A driver that hands every call to another one unchanged. Tests that observe or damage what a backend returns
 * (recording what reaches it, tampering with objects) extend it and override only those calls, so a driver operation
 * added to {@link StateDriver} is forwarded in one place. The opaque calls ({@link StateDriver#putOpaque} and the
 * others) are deliberately not forwarded: their defaults go through this class's {@code put}, {@code missing} and
 * {@code open}, so a test that overrides those sees (and can damage) opaque objects too.
 */
public class ForwardingDriver implements StateDriver {
    private final StateDriver driver;

    public ForwardingDriver(StateDriver driver) {
        this.driver = driver;
    }

    /** The driver every call goes to. */
    protected StateDriver delegate() {
        return driver;
    }

    @Override
    public String description() {
        return driver.description();
    }

    @Override
    public Set<String> missing(String name, Collection<String> sha256s) throws IOException {
        return driver.missing(name, sha256s);
    }

    @Override
    public long put(String name, String sha256, long size, ObjectSource source) throws IOException {
        return driver.put(name, sha256, size, source);
    }

    @Override
    public InputStream open(String name, String sha256) throws IOException {
        return driver.open(name, sha256);
    }

    @Override
    public List<Head> heads() throws IOException {
        return driver.heads();
    }

    @Override
    public Optional<RevisionInfo> latest(String name) throws IOException {
        return driver.latest(name);
    }

    @Override
    public List<RevisionInfo> history(String name) throws IOException {
        return driver.history(name);
    }

    @Override
    public Optional<StoredRevision> read(String name, long revision) throws IOException {
        return driver.read(name, revision);
    }

    @Override
    public void append(String name, OptionalLong expectedLatest, StoredRevision revision, Set<String> objects,
            Fence fence) throws IOException {
        driver.append(name, expectedLatest, revision, objects, fence);
    }

    @Override
    public void replace(String name, StoredRevision revision, Set<String> objects, Fence fence) throws IOException {
        driver.replace(name, revision, objects, fence);
    }

    @Override
    public Hold reading(String name) throws IOException {
        return driver.reading(name);
    }

    @Override
    public void prune(String name, Collection<Long> revisions) throws IOException {
        driver.prune(name, revisions);
    }

    @Override
    public Optional<byte[]> setting(String key) throws IOException {
        return driver.setting(key);
    }

    @Override
    public byte[] putSettingIfAbsent(String key, byte[] value) throws IOException {
        return driver.putSettingIfAbsent(key, value);
    }

    @Override
    public StateLocker locker() {
        return driver.locker();
    }

    @Override
    public void close() throws IOException {
        driver.close();
    }
}
