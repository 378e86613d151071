package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.ObjectSource;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateLocker;
import io.productivek3s.infra.state.driver.StoredRevision;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** Every call passed to another driver: a test overrides the one it makes fail. */
class ForwardingDriver implements StateDriver {
    private final StateDriver inner;

    ForwardingDriver(StateDriver inner) {
        this.inner = inner;
    }

    @Override
    public String description() {
        return inner.description();
    }

    @Override
    public Set<String> missing(String name, Collection<String> sha256s) throws IOException {
        return inner.missing(name, sha256s);
    }

    @Override
    public long put(String name, String sha256, long size, ObjectSource source) throws IOException {
        return inner.put(name, sha256, size, source);
    }

    @Override
    public InputStream open(String name, String sha256) throws IOException {
        return inner.open(name, sha256);
    }

    @Override
    public List<Head> heads() throws IOException {
        return inner.heads();
    }

    @Override
    public Optional<RevisionInfo> latest(String name) throws IOException {
        return inner.latest(name);
    }

    @Override
    public List<RevisionInfo> history(String name) throws IOException {
        return inner.history(name);
    }

    @Override
    public Optional<StoredRevision> read(String name, long revision) throws IOException {
        return inner.read(name, revision);
    }

    @Override
    public void append(String name, OptionalLong expectedLatest, StoredRevision revision, Set<String> objects,
            Fence fence) throws IOException {
        inner.append(name, expectedLatest, revision, objects, fence);
    }

    @Override
    public void replace(String name, StoredRevision revision, Set<String> objects, Fence fence) throws IOException {
        inner.replace(name, revision, objects, fence);
    }

    @Override
    public void prune(String name, Collection<Long> revisions) throws IOException {
        inner.prune(name, revisions);
    }

    @Override
    public Optional<byte[]> setting(String key) throws IOException {
        return inner.setting(key);
    }

    @Override
    public byte[] putSettingIfAbsent(String key, byte[] value) throws IOException {
        return inner.putSettingIfAbsent(key, value);
    }

    @Override
    public StateLocker locker() {
        return inner.locker();
    }
}
