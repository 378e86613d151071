package io.productivek3s.infra.action;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.core.CoreBundle;
import io.productivek3s.infra.util.Json;
import io.productivek3s.infra.util.JsonEnvelope;
import io.productivek3s.infra.util.Timestamps;
import java.io.PrintStream;

/** Output shared by {@code core fetch} and {@code core info}. */
final class CoreBundleActions {
    private CoreBundleActions() {
    }

    static ObjectNode document(CoreBundle bundle, String command) {
        ObjectNode node = JsonEnvelope.start(command);
        node.put("version", bundle.version());
        node.put("release_repo", bundle.releaseRepo());
        node.put("path", bundle.path().toString());
        node.put("archive", bundle.archive());
        node.put("sha256", bundle.sha256());
        node.put("source_url", bundle.sourceUrl());
        node.put("fetched_at", Timestamps.iso(bundle.fetchedAt()));
        node.set("bundle_info", bundle.bundleInfo());
        return node;
    }

    static void printJson(PrintStream out, CoreBundle bundle, String command) {
        out.print(Json.pretty(document(bundle, command)));
        out.flush();
    }

    /** How an air-gapped host points a package run at this bundle (docs/contract/core.md#effective-core-settings local source). */
    static String offlineUse(CoreBundle bundle) {
        return "PRODUCTIVE_K3S_SOURCE=local PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO=" + bundle.path();
    }
}
