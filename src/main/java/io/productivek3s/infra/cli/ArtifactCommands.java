package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.ArtifactPackageSource;
import io.productivek3s.infra.action.CatalogListAction;
import io.productivek3s.infra.action.CatalogShowAction;
import io.productivek3s.infra.action.CoreFetchAction;
import io.productivek3s.infra.action.CoreInfoAction;
import io.productivek3s.infra.action.TelemetryPreviewAction;
import io.productivek3s.infra.core.CoreBundle;
import io.productivek3s.infra.core.CoreRelease;
import io.productivek3s.infra.telemetry.EventDocument;
import io.productivek3s.infra.util.Json;
import java.util.List;

/** {@code catalog list|show}, {@code core fetch|info} and {@code telemetry preview}: artifacts and what a run would send. */
final class ArtifactCommands {
    private ArtifactCommands() {
    }

    /** {@code catalog list}. */
    record CatalogOptions(boolean offline) {
        static CatalogOptions parse(Invocation in) {
            return new CatalogOptions(in.has(Flag.OFFLINE));
        }
    }

    /** {@code catalog show NAME[@VERSION]}; an empty name is the action's exit 3. */
    record CatalogShowOptions(String name, boolean offline) {
        static CatalogShowOptions parse(Invocation in) {
            return new CatalogShowOptions(in.word(2), in.has(Flag.OFFLINE));
        }
    }

    /** {@code core fetch|info [--version <v>]}. */
    record CoreOptions(String version, boolean offline) {
        static CoreOptions parse(Invocation in) {
            return new CoreOptions(in.value(Flag.VERSION), in.has(Flag.OFFLINE));
        }
    }

    /** {@code telemetry preview <command line>}: the previewed words and the flags that matter for events. */
    record PreviewOptions(List<String> words, String tgz, String profile, boolean dryRun, PackageCommands.Sourcing sourcing) {
        static PreviewOptions parse(Invocation in) {
            List<String> words = in.positionals().subList(2, in.positionals().size());
            if (words.isEmpty()) {
                throw EngineException.missing("the 'telemetry preview' command requires a command line, e.g. "
                        + "telemetry preview profile install --tgz <file>");
            }
            return new PreviewOptions(words, in.value(Flag.TGZ), in.value(Flag.PROFILE), in.has(Flag.DRY_RUN),
                    PackageCommands.Sourcing.parse(in));
        }
    }

    static int catalogList(Call call, CatalogOptions options) {
        CatalogListAction.Listing listing = new CatalogListAction(call.context(), options.offline()).run();
        call.result(CatalogViews.Listing.of(listing), () -> CatalogViews.catalogLine(listing.index()) + "\n"
                + (listing.profiles().isEmpty() ? "No profiles in this catalog.\n" : CatalogViews.table(listing.profiles())));
        return 0;
    }

    static int catalogShow(Call call, CatalogShowOptions options) {
        CatalogShowAction.Shown shown = new CatalogShowAction(call.context(), options.offline()).run(options.name());
        call.result(CatalogViews.Shown.of(shown), () -> CatalogViews.sheet(shown.entry()) + CatalogViews.catalogLine(shown.index())
                + "\n");
        return 0;
    }

    static int coreFetch(Call call, CoreOptions options) {
        CoreRelease.Fetched fetched = new CoreFetchAction(call.context(), options.offline()).run(options.version());
        if (call.invocation().json()) {
            call.json(CoreViews.Bundle.of(fetched.bundle(), "core fetch"));
        } else {
            CoreViews.fetchLines(call.context().log(), fetched);
        }
        return 0;
    }

    static int coreInfo(Call call, CoreOptions options) {
        CoreBundle bundle = new CoreInfoAction(call.context()).run(options.version());
        call.result(CoreViews.Bundle.of(bundle, "core info"), () -> CoreViews.infoText(bundle));
        return 0;
    }

    /** The previewed command passes the same surface gate as if it were run; the documents print as they are sent. */
    static int telemetryPreview(Call call, PreviewOptions options) {
        Dispatcher.checkSurface(call.context(), options.words().get(0));
        // stdout holds the JSON array alone: the package's signature INFO line goes to stderr (docs/telemetry.md "Preview")
        call.context().log().setEventsMode(true);
        List<EventDocument> documents = new TelemetryPreviewAction(call.context(),
                options.sourcing().source(call))
                .run(new TelemetryPreviewAction.Request(options.words(), options.tgz(), options.profile(), options.dryRun()));
        call.print(Json.pretty(documents.stream().map(EventDocument::toJson).toList()));
        return 0;
    }
}
