package io.productivek3s.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.core.CoreBundle;
import io.productivek3s.infra.core.CoreRelease;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.util.Timestamps;

/** Output of {@code core fetch} and {@code core info}: the {@code core-bundle} document, or lines for people. */
final class CoreViews {
    private CoreViews() {
    }

    /** {@code core-bundle}; {@code bundle_info} is the bundle's own {@code bundle-info.json}, as it is. */
    record Bundle(String version, String releaseRepo, String path, String archive, String sha256, String sourceUrl,
            String fetchedAt, JsonNode bundleInfo) {
        static Envelope of(CoreBundle b, String command) {
            return Envelope.ok(command, new Bundle(b.version(), b.releaseRepo(), b.path().toString(), b.archive(), b.sha256(),
                    b.sourceUrl(), Timestamps.iso(b.fetchedAt()), b.bundleInfo()));
        }
    }

    static String infoText(CoreBundle bundle) {
        return "Productive K3S Core " + bundle.version() + "\n"
                + "Path: " + bundle.path() + "\n"
                + "Archive: " + bundle.archive() + "\n"
                + "SHA-256: " + bundle.sha256() + "\n"
                + "Source: " + bundle.sourceUrl() + "\n"
                + "Release repository: " + bundle.releaseRepo() + "\n"
                + "Fetched: " + bundle.fetchedAt() + "\n"
                + "Bundle: " + bundle.bundleInfo().path("bundle_name").asText() + " "
                + bundle.bundleInfo().path("bundle_version").asText("?") + " (entrypoint "
                + bundle.bundleInfo().path("cli_entrypoint").asText("?") + ")\n"
                + "Air-gapped use: " + offlineUse(bundle) + "\n";
    }

    /** {@code core fetch} without {@code --json}: OK and INFO lines, like a run's. */
    static void fetchLines(Log log, CoreRelease.Fetched fetched) {
        log.ok("Productive K3S Core " + fetched.bundle().version() + (fetched.alreadyCached() ? " is already cached: " : " fetched and verified: ")
                + fetched.bundle().path());
        log.info("sha256: " + fetched.bundle().sha256());
        log.info("Air-gapped use: " + offlineUse(fetched.bundle()));
    }

    /** How an air-gapped host points a package run at this bundle (docs/contract/core.md#effective-core-settings local source). */
    private static String offlineUse(CoreBundle bundle) {
        return "PRODUCTIVE_K3S_SOURCE=local PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO=" + bundle.path();
    }
}
