package io.productivek3s.infra.testing;

import io.productivek3s.infra.testing.TestHttpServer.Response;
import io.productivek3s.infra.util.Digests;

/**
 * A catalog (docs/catalogs.md) served by a real {@link TestHttpServer} on 127.0.0.1, for black-box tests of catalog
 * references: the index at {@link #INDEX}, packages at {@code /infra/<name>-<version>.tgz}. Point the engine at it
 * with {@code PK3S_CATALOG_URLS=}{@link #indexUrl()}.
 */
public final class CatalogFixture {
    public static final String INDEX = "/catalogs/index.yaml";

    private final TestHttpServer server;

    public CatalogFixture(TestHttpServer server) {
        this.server = server;
    }

    /** Where the package of {@code name} {@code version} is served. */
    public static String packagePath(String name, String version) {
        return "/infra/" + name + "-" + version + ".tgz";
    }

    public String indexUrl() {
        return server.url(INDEX);
    }

    /** The text of an index named {@code catalogName} holding {@code entries} (concatenated {@link #entry}s). */
    public static String index(String catalogName, String entries) {
        return """
                apiVersion: catalogs.productive-k3s.io/v1alpha1
                kind: ProductiveK3SCatalog
                metadata:
                  name: %s
                  version: 0.9.65
                  generatedAt: "2026-10-02T17:44:40+02:00"
                entries:
                """.formatted(catalogName) + entries;
    }

    /**
     * A public profile entry whose artifact is served at {@link #packagePath}, with {@code sha256} (null: none) and
     * {@code extra} YAML lines after the artifact's (indented by the caller: six spaces inside the artifact, e.g. a
     * {@code signature}, four for the entry, e.g. an {@code install} block).
     */
    public String entry(String id, String name, String version, String sha256, String extra) {
        return """
                  - id: %s
                    name: %s
                    kind: profile
                    visibility: public
                    category: edge
                    description: "fixture profile"
                    version: %s
                    artifact:
                      type: tgz
                      url: %s
                """.formatted(id, name, version, server.url(packagePath(name, version)))
                + (sha256 == null ? "" : "      sha256: " + sha256 + "\n") + extra;
    }

    /** Serves {@code tgz} at its {@link #packagePath} and returns its entry, with the package's digest. */
    public String publish(String id, String name, String version, byte[] tgz, String extra) {
        server.route(packagePath(name, version), Response.ok(tgz));
        return entry(id, name, version, Digests.sha256(tgz), extra);
    }

    /** Serves the index named {@code catalogName} with {@code entries} at {@link #INDEX}; returns its text. */
    public String serve(String catalogName, String entries) {
        String text = index(catalogName, entries);
        server.route(INDEX, Response.ok(text));
        return text;
    }
}
