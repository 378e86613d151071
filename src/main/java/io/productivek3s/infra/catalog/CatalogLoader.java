package io.productivek3s.infra.catalog;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.sign.SignatureFile;
import io.productivek3s.infra.sign.SignaturePolicy;
import io.productivek3s.infra.sign.SignatureVerifier;
import io.productivek3s.infra.sign.SshSignature;
import io.productivek3s.infra.sign.Verdict;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Loads the catalog index from {@code PK3S_CATALOG_URLS} (docs/catalogs.md#resolution step 1): comma-separated
 * {@code http(s)://} URLs, {@code file://} URLs or plain paths; the first source that loads wins, no merging.
 * A source that cannot be reached (exit-3 failures) makes way for the next; one that loads but is invalid or does
 * not match its checksum stops the run. A catalog is verified against {@code <catalog>.sha256} beside it when that
 * file exists (versioned catalogs publish one). Remote catalogs go through the artifact cache, so {@code --offline}
 * works from the copy of an earlier run. A catalog may be signed ({@code <catalog>.sig}, namespace {@code pk3s-catalog},
 * docs/signing.md): a signature that fails stops the run (exit 4); a good one vouches for every digest in the index.
 */
public final class CatalogLoader {
    public static final String VARIABLE = "PK3S_CATALOG_URLS";
    public static final String DEFAULT_SOURCE = "https://catalogs.productive-k3s.io/catalogs/index.yaml";
    private static final int MAX_CHECKSUM_BYTES = 64 * 1024;

    private final List<String> sources;
    private final ArtifactCache cache;
    private final Function<String, Path> resolvePath;
    private final Consumer<String> debug;
    private final SignatureVerifier verifier;

    /** @param resolvePath how relative paths resolve (the caller's directory, docs/contract/env-files.md#override-file-and-relative-paths) */
    public CatalogLoader(Map<String, String> env, ArtifactCache cache, Function<String, Path> resolvePath, Consumer<String> debug,
            SignatureVerifier verifier) {
        this.sources = sources(env);
        this.cache = cache;
        this.resolvePath = resolvePath;
        this.debug = debug;
        this.verifier = verifier;
    }

    static List<String> sources(Map<String, String> env) {
        List<String> list = new ArrayList<>();
        for (String part : env.getOrDefault(VARIABLE, "").split(",")) {
            if (!part.isBlank()) {
                list.add(part.trim());
            }
        }
        return list.isEmpty() ? List.of(DEFAULT_SOURCE) : List.copyOf(list);
    }

    public CatalogIndex load() {
        List<EngineException> unreachable = new ArrayList<>();
        for (String source : sources) {
            try {
                CatalogIndex index = loadOne(source);
                debug.accept("catalog loaded from " + index.source() + " (" + index.entries().size() + " entries"
                        + (index.verified() ? ", checksum verified" : "") + ")");
                return index;
            } catch (EngineException e) {
                if (e.exitCode() != EngineException.MISSING) {
                    throw e;
                }
                debug.accept("catalog source skipped: " + e.getMessage());
                unreachable.add(e);
            }
        }
        if (unreachable.size() == 1) {
            throw unreachable.get(0);
        }
        throw EngineException.missing("no catalog could be loaded from " + VARIABLE + " (" + unreachable.size()
                + " sources); first error: " + unreachable.get(0).getMessage());
    }

    private CatalogIndex loadOne(String source) {
        if (!source.contains("://")) {
            return local(path(source), source);
        }
        URI uri;
        try {
            uri = new URI(source);
        } catch (URISyntaxException e) {
            throw EngineException.invalid("invalid catalog source in " + VARIABLE + ": " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "http", "https" -> remote(uri);
            case "file" -> local(fileUri(uri, source), source);
            default -> throw EngineException.invalid("unsupported catalog source in " + VARIABLE + ": " + Downloader.shown(uri)
                    + " (use http, https, file or a path)");
        };
    }

    private CatalogIndex local(Path file, String display) {
        if (!Files.isRegularFile(file)) {
            throw EngineException.missing("catalog not found: " + display);
        }
        byte[] bytes = read(file, CatalogParser.MAX_BYTES, display);
        Path sidecar = file.resolveSibling(file.getFileName() + ".sha256");
        boolean verified = false;
        if (Files.isRegularFile(sidecar)) {
            String expected = Sha256Line.parseFile(read(sidecar, MAX_CHECKSUM_BYTES, display + ".sha256"), display + ".sha256");
            String actual = Digests.sha256(bytes);
            if (!expected.equals(actual)) {
                throw Sha256Line.mismatch(display, expected, actual);
            }
            verified = true;
        }
        Path signature = SignatureFile.beside(file);
        Optional<SignatureFile> found = verifier.policy() != SignaturePolicy.OFF && Files.exists(signature)
                ? Optional.of(SignatureFile.read(signature, display + SignatureFile.SUFFIX)) : Optional.empty();
        return checked(CatalogParser.parse(bytes, display, verified), bytes, found, display + SignatureFile.SUFFIX);
    }

    /** The index with its signature's verdict; a signature that fails is exit 4 before anything is resolved from it. */
    private CatalogIndex checked(CatalogIndex index, byte[] bytes, Optional<SignatureFile> signature, String lookedFor) {
        Verdict verdict = verifier.verify(new SignatureVerifier.Subject("catalog " + index.source(),
                SignatureVerifier.Content.of(bytes), signature, lookedFor), SignatureVerifier.CATALOG_NAMESPACE);
        if (!verdict.status().acceptable()) {
            throw EngineException.invalid(verdict.decision().line());
        }
        debug.accept("catalog signature: " + verdict.status().word() + (verdict.detail().isEmpty() ? "" : " (" + verdict.detail() + ")"));
        return index.signed(verdict);
    }

    private CatalogIndex remote(URI uri) {
        String display = Downloader.shown(uri);
        Optional<String> expected = Optional.empty();
        if (!cache.offline()) {
            expected = cache.downloader().publishedSha256(uri);
            debug.accept(expected.isPresent() ? "catalog checksum published: " + expected.get()
                    : "no checksum file beside " + display);
        }
        ArtifactCache.Cached cached = cache.fetch(new ArtifactCache.Request(uri, expected, display, CatalogParser.MAX_BYTES));
        byte[] bytes = read(cached.file(), CatalogParser.MAX_BYTES, display);
        URI signatureUri = Downloader.sidecar(uri, SignatureFile.SUFFIX);
        Optional<SignatureFile> signature = verifier.policy() == SignaturePolicy.OFF ? Optional.empty()
                : cache.fetchIfPublished(new ArtifactCache.Request(signatureUri, Optional.empty(), display + SignatureFile.SUFFIX,
                        SshSignature.MAX_BYTES)).map(sig -> SignatureFile.read(sig.file(), Downloader.shown(signatureUri)));
        return checked(CatalogParser.parse(bytes, display, cached.verified()), bytes, signature, Downloader.shown(signatureUri));
    }

    private Path path(String source) {
        try {
            return resolvePath.apply(source);
        } catch (InvalidPathException e) {
            throw EngineException.invalid("invalid catalog path in " + VARIABLE + ": " + source);
        }
    }

    private static Path fileUri(URI uri, String source) {
        try {
            return Path.of(uri);
        } catch (IllegalArgumentException e) {
            throw EngineException.invalid("invalid catalog source in " + VARIABLE + ": " + source);
        }
    }

    private static byte[] read(Path file, int maxBytes, String display) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw EngineException.invalid("catalog " + display + " is invalid: larger than " + maxBytes + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw EngineException.missing("could not read catalog " + display + ": " + e.getMessage());
        }
    }
}
