package io.productivek3s.infra.state.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * What a sealed item belongs to: its cluster, its kind ({@code object} or {@code record}) and its id within the
 * cluster (an object's address, a record's revision number). The three are authenticated with every chunk
 * (docs/state.md "Encryption at rest"), so a ciphertext moved to another object, record or cluster fails to open
 * even under the right key. {@code revision} only names the revision in a failure message when the reader knows it;
 * it is not authenticated (an object is shared by every revision that holds its content).
 */
public record Binding(String cluster, String kind, String id, OptionalLong revision) {
    public static final String OBJECT = "object";
    public static final String RECORD = "record";

    public Binding {
        if (cluster.isEmpty() || utf8(cluster) > 255 || kind.isEmpty() || utf8(kind) > 255 || utf8(id) > 65535) {
            throw new IllegalArgumentException("a binding needs a cluster name, a kind and an id");
        }
    }

    private static int utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The object stored at {@code address} in {@code cluster}. */
    public static Binding object(String cluster, String address) {
        return new Binding(cluster, OBJECT, address, OptionalLong.empty());
    }

    /** The record (payload) of {@code revision} of {@code cluster}. */
    public static Binding record(String cluster, long revision) {
        return new Binding(cluster, RECORD, Long.toString(revision), OptionalLong.of(revision));
    }

    /** This binding, naming {@code number} as the revision being read in failure messages. */
    public Binding inRevision(long number) {
        return new Binding(cluster, kind, id, OptionalLong.of(number));
    }

    /** How a failure message names the item: {@code record} or {@code object 1a2b3c4d5e6f…}. */
    String describe() {
        return kind.equals(OBJECT) ? "encrypted object " + id.substring(0, Math.min(12, id.length())) + "…"
                : "encrypted " + kind;
    }

    /** The bytes authenticated with every chunk after the header: length-prefixed cluster, kind and id. */
    byte[] associatedData() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] name = cluster.getBytes(StandardCharsets.UTF_8);
        byte[] what = kind.getBytes(StandardCharsets.UTF_8);
        byte[] which = id.getBytes(StandardCharsets.UTF_8);
        out.write(name.length);
        out.writeBytes(name);
        out.write(what.length);
        out.writeBytes(what);
        out.write(which.length >>> 8);
        out.write(which.length & 0xff);
        out.writeBytes(which);
        return out.toByteArray();
    }
}
