package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.catalog.ArtifactCache;
import io.productivek3s.infra.catalog.CatalogEntry;
import io.productivek3s.infra.catalog.CatalogIndex;
import io.productivek3s.infra.catalog.CatalogResolver;
import io.productivek3s.infra.catalog.Downloader;
import io.productivek3s.infra.catalog.TgzArgument;
import java.util.Optional;

/**
 * {@code --tgz} as a local path, an {@code http(s)://} URL, a catalog reference {@code NAME[@VERSION]}
 * (docs/catalogs.md) or a process substitution's pipe, spooled once ({@link SpooledPipe}). URLs and catalog artifacts come from the verified download cache; with {@code --offline} only
 * from what is already cached. A digest is verified whenever one is known: the catalog's {@code artifact.sha256},
 * a URL's {@code #sha256=<hex>}, or a {@code <url>.sha256} the server publishes.
 */
public final class ArtifactPackageSource implements PackageSource {
    private final EngineContext context;
    private final boolean offline;

    public ArtifactPackageSource(EngineContext context, boolean offline) {
        this.context = context;
        this.offline = offline;
    }

    @Override
    public Resolved resolve(String tgz) {
        TgzArgument argument = TgzArgument.classify(tgz, context.paths()::resolveExisting);
        if (argument instanceof TgzArgument.LocalFile local) {
            return new Resolved(local.path(), tgz);
        }
        if (argument instanceof TgzArgument.Pipe pipe) {
            return new Resolved(SpooledPipe.spool(pipe.path(), tgz, context.env()), tgz);
        }
        ArtifactServices services = ArtifactServices.create(context, offline);
        long maxBytes = services.limits().maxBytes();
        ArtifactCache.Request request;
        if (argument instanceof TgzArgument.Url url) {
            // A digest pinned on the URL wins; otherwise one published beside the file is used when online.
            Optional<String> digest = url.pinnedSha256().or(() -> offline ? Optional.empty()
                    : services.cache().downloader().publishedSha256(url.uri()));
            request = new ArtifactCache.Request(url.uri(), digest, Downloader.shown(url.uri()), maxBytes);
        } else {
            TgzArgument.Catalog reference = (TgzArgument.Catalog) argument;
            CatalogIndex index = services.catalogs().load();
            CatalogEntry entry = CatalogResolver.find(index, reference.reference());
            context.log().debug("catalog profile " + reference.reference() + " resolved to " + entry.id() + " "
                    + entry.version() + " in " + index.source());
            request = CatalogResolver.artifact(entry, reference.reference().name(), maxBytes);
        }
        ArtifactCache.Cached cached = services.cache().fetch(request);
        context.log().debug((cached.downloaded() ? "downloaded " : "cached ") + Downloader.shown(request.url()) + " -> "
                + cached.file() + " (sha256 " + cached.sha256() + (cached.verified() ? ", verified" : "") + ")");
        return new Resolved(cached.file(), tgz);
    }
}
