package io.productivek3s.infra.testing;

import io.productivek3s.infra.testing.TestHttpServer.Response;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A Productive K3S Core release as GitHub serves it (docs/contract/core.md#core-bundle-contract): {@code /repos/<repo>/releases/tags/<tag>} JSON
 * with {@code assets[].name} and {@code browser_download_url}, the {@code productive-k3s-core-<v>.tar.gz} archive
 * and its {@code .sha256} (sha256sum output with a {@code dist/} path), all on a {@link TestHttpServer}.
 */
public final class CoreReleaseFixture {
    public static final String REPO = "productive-k3s/productive-k3s-core";
    public static final List<String> REQUIRED = List.of("bundle-info.json", "productive-k3s-core.sh",
            "scripts/productive-k3s-core.sh", "scripts/preflight-host.sh", "scripts/apply.sh", "scripts/backup.sh",
            "scripts/validate.sh", "scripts/cleanup.sh", "scripts/rollback.sh", "scripts/send-telemetry.sh");

    private CoreReleaseFixture() {
    }

    public static String archiveName(String version) {
        return "productive-k3s-core-" + version + ".tar.gz";
    }

    /** A complete bundle; {@code omit} leaves out one required file. */
    public static TarBuilder bundle(String version, String omit) {
        String top = "productive-k3s-core-" + version + "/";
        TarBuilder tar = new TarBuilder().dir(top).dir(top + "scripts");
        for (String rel : REQUIRED) {
            if (rel.equals(omit)) {
                continue;
            }
            String content = rel.equals("bundle-info.json") ? bundleInfo(version) : "#!/usr/bin/env bash\necho " + rel + "\n";
            tar.file(top + rel, content, rel.endsWith(".sh") ? 0755 : 0644);
        }
        return tar.file(top + "README.md", "core " + version + "\n");
    }

    public static String bundleInfo(String version) {
        return """
                {
                  "schema_version": "1",
                  "bundle_name": "productive-k3s-core",
                  "bundle_type": "productive-k3s-core",
                  "bundle_version": "%s",
                  "cli_entrypoint": "productive-k3s-core.sh",
                  "platform": "any",
                  "api_compatibility": {
                    "contract": "productive-k3s-cli-bundle-info/v1"
                  }
                }
                """.formatted(version);
    }

    /**
     * Serves release {@code tag} with the given archive; the published digest is {@code publishedSha256} or, when
     * null, the archive's real one.
     */
    public static void serve(TestHttpServer server, String tag, String version, byte[] archive, String publishedSha256) {
        String name = archiveName(version);
        String sha = publishedSha256 != null ? publishedSha256 : sha256(archive);
        server.route("/download/" + tag + "/" + name, Response.ok(archive));
        server.route("/download/" + tag + "/" + name + ".sha256", Response.ok(checksumFile(version, sha)));
        server.route("/repos/" + REPO + "/releases/tags/" + tag, Response.ok(releaseJson(server, tag, List.of(name, name + ".sha256"))));
    }

    /** The published {@code .sha256} asset: sha256sum output with a {@code dist/} path. */
    public static String checksumFile(String version, String sha256) {
        return sha256 + "  dist/" + archiveName(version) + "\n";
    }

    /**
     * Adds {@code <archive>.sha256.sig} to release {@code tag} (after {@link #serve}), as a publisher who signs the
     * checksum file does (docs/signing.md "Core release bundles").
     */
    public static void serveSignature(TestHttpServer server, String tag, String version, byte[] signature) {
        String name = archiveName(version);
        server.route("/download/" + tag + "/" + name + ".sha256.sig", Response.ok(signature));
        server.route("/repos/" + REPO + "/releases/tags/" + tag, Response.ok(releaseJson(server, tag,
                List.of(name, name + ".sha256", name + ".sha256.sig"))));
    }

    public static String releaseJson(TestHttpServer server, String tag, List<String> assets) {
        StringBuilder json = new StringBuilder("{\"tag_name\": \"" + tag + "\", \"assets\": [");
        for (int i = 0; i < assets.size(); i++) {
            json.append(i == 0 ? "" : ",").append("{\"name\": \"").append(assets.get(i))
                    .append("\", \"browser_download_url\": \"").append(server.url("/download/" + tag + "/" + assets.get(i)))
                    .append("\"}");
        }
        return json.append("]}").toString();
    }

    public static byte[] bytes(TarBuilder tar) {
        try {
            return tar.bytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
