package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.core.CoreBundle;
import io.productivek3s.infra.core.CoreRelease;
import io.productivek3s.infra.run.EngineContext;

/** {@code core info [--version V] [--json]} [New]: what the cache holds for a Core version; never downloads. */
public final class CoreInfoAction {
    private final EngineContext context;

    public CoreInfoAction(EngineContext context) {
        this.context = context;
    }

    public CoreBundle run(String requestedVersion) {
        context.release().checkBinding();
        String version = CoreRelease.selectVersion(context.release(), requestedVersion, context.env());
        return ArtifactServices.create(context, true).coreRelease(context).cached(version)
                .orElseThrow(() -> EngineException.missing("productive-k3s-core " + version + " is not cached; run 'core fetch --version "
                        + version + "'"));
    }
}
