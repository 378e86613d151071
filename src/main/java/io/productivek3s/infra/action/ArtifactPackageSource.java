package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.catalog.ArtifactCache;
import io.productivek3s.infra.catalog.CatalogEntry;
import io.productivek3s.infra.catalog.CatalogIndex;
import io.productivek3s.infra.catalog.CatalogResolver;
import io.productivek3s.infra.catalog.Downloader;
import io.productivek3s.infra.catalog.TgzArgument;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.sign.SignatureFile;
import io.productivek3s.infra.sign.SignaturePolicy;
import io.productivek3s.infra.sign.SignatureVerifier;
import io.productivek3s.infra.sign.SshSignature;
import io.productivek3s.infra.sign.Verdict;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code --tgz} as a local path, an {@code http(s)://} URL, a catalog reference {@code NAME[@VERSION]}
 * (docs/catalogs.md) or a process substitution's pipe, spooled once ({@link SpooledPipe}). URLs and catalog artifacts come from the verified download cache; with {@code --offline} only
 * from what is already cached. A digest is verified whenever one is known: the catalog's {@code artifact.sha256},
 * a URL's {@code #sha256=<hex>}, or a {@code <url>.sha256} the server publishes.
 *
 * <p>Then the package's OpenSSH signature (docs/signing.md "Where signatures come from"): {@code --signature FILE};
 * else {@code FILE.sig} beside a local file, {@code <url>.sig} beside a URL (through the same cache), the catalog
 * entry's {@code artifact.signature}, or the signed catalog index that vouches for the entry's digest. The policy
 * decides before anything is extracted, locked or sent.
 */
public final class ArtifactPackageSource implements PackageSource {
    private final EngineContext context;
    private final boolean offline;
    private final Optional<String> signatureArgument;
    private SignatureVerifier verifier;

    public ArtifactPackageSource(EngineContext context, boolean offline) {
        this(context, offline, Optional.empty());
    }

    /** @param signatureArgument {@code --signature FILE}, which wins over every other place a signature may be */
    public ArtifactPackageSource(EngineContext context, boolean offline, Optional<String> signatureArgument) {
        this.context = context;
        this.offline = offline;
        this.signatureArgument = signatureArgument;
    }

    @Override
    public Resolved resolve(String tgz) {
        return accept(inspect(tgz));
    }

    @Override
    public Resolved recorded(Path file, String reference) {
        return accept(new Resolved(file, reference, local(reference, file, Optional.of(file))));
    }

    @Override
    public Resolved accept(Resolved inspected) {
        String line = inspected.signature().decision().enforce();
        if (!line.isEmpty()) {
            context.log().info(line);
        }
        return inspected;
    }

    @Override
    public Resolved inspect(String tgz) {
        verifier();
        TgzArgument argument = TgzArgument.classify(tgz, context.paths()::resolveExisting);
        if (argument instanceof TgzArgument.LocalFile local) {
            return new Resolved(local.path(), tgz, local(tgz, local.path(), Optional.of(local.path())));
        }
        if (argument instanceof TgzArgument.Pipe pipe) {
            Path spooled = SpooledPipe.spool(pipe.path(), tgz, context.env());
            return new Resolved(spooled, tgz, local(tgz, spooled, Optional.empty()));
        }
        ArtifactServices services = ArtifactServices.create(context, offline, verifier);
        long maxBytes = services.limits().maxBytes();
        ArtifactCache.Request request;
        Optional<CatalogIndex> index = Optional.empty();
        Optional<CatalogEntry> entry = Optional.empty();
        if (argument instanceof TgzArgument.Url url) {
            // A digest pinned on the URL wins; otherwise one published beside the file is used when online.
            Optional<String> digest = url.pinnedSha256().or(() -> offline ? Optional.empty()
                    : services.cache().downloader().publishedSha256(url.uri()));
            request = new ArtifactCache.Request(url.uri(), digest, Downloader.shown(url.uri()), maxBytes);
        } else {
            TgzArgument.Catalog reference = (TgzArgument.Catalog) argument;
            index = Optional.of(services.catalogs().load());
            entry = Optional.of(CatalogResolver.find(index.get(), reference.reference()));
            context.log().debug("catalog profile " + reference.reference() + " resolved to " + entry.get().id() + " "
                    + entry.get().version() + " in " + index.get().source());
            request = CatalogResolver.artifact(entry.get(), reference.reference().name(), maxBytes);
        }
        ArtifactCache.Cached cached = services.cache().fetch(request);
        context.log().debug((cached.downloaded() ? "downloaded " : "cached ") + Downloader.shown(request.url()) + " -> "
                + cached.file() + " (sha256 " + cached.sha256() + (cached.verified() ? ", verified" : "") + ")");
        return new Resolved(cached.file(), tgz, remote(tgz, cached, request, services, index, entry));
    }

    private SignatureVerifier verifier() {
        if (verifier == null) {
            verifier = ArtifactServices.signatures(context);
        }
        return verifier;
    }

    /** A local file or spooled pipe: {@code --signature}, else {@code FILE.sig} beside a named file. */
    private Verdict local(String shown, Path file, Optional<Path> named) {
        Optional<SignatureFile> signature = Optional.empty();
        String lookedFor = shown + SignatureFile.SUFFIX;
        if (verifier().policy() != SignaturePolicy.OFF) {
            if (signatureArgument.isPresent()) {
                signature = Optional.of(given());
                lookedFor = signatureArgument.get();
            } else if (named.isPresent()) {
                Path beside = SignatureFile.beside(named.get());
                signature = Files.exists(beside) ? Optional.of(SignatureFile.read(beside, lookedFor)) : Optional.empty();
            } else {
                lookedFor = "--signature (a pipe has no file beside it)";
            }
        }
        return verifier().verify(new SignatureVerifier.Subject(shown, SignatureVerifier.Content.of(file), signature, lookedFor),
                SignatureVerifier.PROFILE_NAMESPACE);
    }

    /**
     * A download: {@code --signature}; else the entry's {@code artifact.signature}; else, for an entry of a catalog
     * whose trusted signature covers its digest, the catalog's verdict; else {@code <url>.sig} if the server has one.
     */
    private Verdict remote(String shown, ArtifactCache.Cached cached, ArtifactCache.Request request, ArtifactServices services,
            Optional<CatalogIndex> index, Optional<CatalogEntry> entry) {
        SignatureVerifier.Content content = SignatureVerifier.Content.of(cached.file());
        if (verifier().policy() == SignaturePolicy.OFF) {
            return verifier().verify(new SignatureVerifier.Subject(shown, content, Optional.empty(), ""), SignatureVerifier.PROFILE_NAMESPACE);
        }
        Optional<SignatureFile> signature;
        URI signatureUri;
        if (signatureArgument.isPresent()) {
            return verifier().verify(new SignatureVerifier.Subject(shown, content, Optional.of(given()), signatureArgument.get()),
                    SignatureVerifier.PROFILE_NAMESPACE);
        }
        Optional<String> reference = entry.map(CatalogEntry::artifactSignature).filter(ref -> !ref.isBlank());
        if (reference.isPresent()) {
            signatureUri = entrySignature(request.url(), reference.get(), shown);
            signature = Optional.of(cachedSignature(services.cache().fetch(signatureRequest(signatureUri, shown)), signatureUri));
        } else if (index.isPresent() && index.get().signedByTrustedKey() && request.sha256().isPresent() && cached.verified()) {
            return verifier().coveredByIndex(shown, index.get().signature().orElseThrow());
        } else {
            signatureUri = Downloader.sidecar(request.url(), SignatureFile.SUFFIX);
            signature = services.cache().fetchIfPublished(signatureRequest(signatureUri, shown))
                    .map(sig -> cachedSignature(sig, signatureUri));
        }
        return verifier().verify(new SignatureVerifier.Subject(shown, content, signature, Downloader.shown(signatureUri)),
                SignatureVerifier.PROFILE_NAMESPACE);
    }

    private SignatureFile given() {
        String argument = signatureArgument.orElseThrow();
        return SignatureFile.read(context.paths().resolveExisting(argument), argument);
    }

    private static ArtifactCache.Request signatureRequest(URI uri, String shown) {
        return new ArtifactCache.Request(uri, Optional.empty(), "signature of " + shown, SshSignature.MAX_BYTES);
    }

    private static SignatureFile cachedSignature(ArtifactCache.Cached cached, URI uri) {
        return SignatureFile.read(cached.file(), Downloader.shown(uri));
    }

    /** {@code artifact.signature}: an http(s) URL, or a path relative to the artifact's URL. */
    private static URI entrySignature(URI artifact, String reference, String shown) {
        try {
            URI resolved = artifact.resolve(new URI(reference));
            String scheme = resolved.getScheme() == null ? "" : resolved.getScheme();
            if (!scheme.equals("https") && !scheme.equals("http")) {
                throw EngineException.invalid("catalog profile '" + shown + "' has an unsupported artifact.signature: "
                        + reference + " (http or https expected)");
            }
            return resolved;
        } catch (URISyntaxException e) {
            throw EngineException.invalid("catalog profile '" + shown + "' has an invalid artifact.signature: " + e.getReason());
        }
    }
}
