package io.productivek3s.infra.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.catalog.ArtifactCache;
import io.productivek3s.infra.catalog.CacheDir;
import io.productivek3s.infra.catalog.CacheLock;
import io.productivek3s.infra.catalog.Downloader;
import io.productivek3s.infra.catalog.Sha256Line;
import io.productivek3s.infra.pkg.ArchiveTree;
import io.productivek3s.infra.pkg.ArchiveWording;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.SafeArchive;
import io.productivek3s.infra.sign.SignatureFile;
import io.productivek3s.infra.sign.SignaturePolicy;
import io.productivek3s.infra.sign.SignatureVerifier;
import io.productivek3s.infra.sign.SshSignature;
import io.productivek3s.infra.sign.Verdict;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import io.productivek3s.infra.util.ShutdownHooks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Fetches Productive K3S Core release bundles into the cache following the Core bundle contract (docs/contract/core.md#core-bundle-contract): release
 * metadata from {@code <api base>/repos/<repo>/releases/tags/<version>} (then {@code tags/v<version>}), the assets
 * {@code productive-k3s-core-<version>.tar.gz} and its {@code .sha256} by exact name, digest verified, one top-level
 * directory holding the required files, unpacked once to {@code <cache>/core/<version>/productive-k3s-core-<version>/}.
 * The version directory appears in one rename, complete with its {@code bundle.json} record; the lock file
 * {@code <cache>/core/<version>.lock} makes concurrent runs fetch once. When the release publishes a signature of
 * its checksum file ({@code <archive>.sha256.sig}, namespace {@code pk3s-core}), it is checked under
 * {@code PK3S_SIGNATURE_POLICY} before the checksum is trusted and before the archive is downloaded
 * (docs/signing.md "Core release bundles").
 */
public final class CoreRelease {
    public static final String API_URL_VARIABLE = "PRODUCTIVE_K3S_RELEASE_API_URL";
    public static final String DEFAULT_API_URL = "https://api.github.com";
    /** Required members below the top-level directory, in the contract's order. */
    public static final List<String> REQUIRED_FILES = List.of("bundle-info.json", "productive-k3s-core.sh",
            "scripts/productive-k3s-core.sh", "scripts/preflight-host.sh", "scripts/apply.sh", "scripts/backup.sh",
            "scripts/validate.sh", "scripts/cleanup.sh", "scripts/rollback.sh", "scripts/send-telemetry.sh");
    static final ArchiveWording WORDING = new ArchiveWording("productive-k3s-core bundle", "could not extract productive-k3s-core bundle");
    private static final String MARKER = "bundle.json";
    private static final int MAX_METADATA_BYTES = 4 * 1024 * 1024;

    private final CacheDir cacheDir;
    private final ArtifactCache artifacts;
    private final URI apiBase;
    private final String releaseRepo;
    private final ExtractionLimits limits;
    private final Consumer<String> debug;
    private final Clock clock;
    private final SignatureVerifier signatures;
    private final Consumer<String> info;

    /** A fetch result; {@code alreadyCached} when nothing had to be downloaded. */
    public record Fetched(CoreBundle bundle, boolean alreadyCached) {
    }

    public CoreRelease(CacheDir cacheDir, ArtifactCache artifacts, URI apiBase, String releaseRepo, ExtractionLimits limits,
            Consumer<String> debug, Clock clock, SignatureVerifier signatures, Consumer<String> info) {
        this.cacheDir = cacheDir;
        this.artifacts = artifacts;
        this.apiBase = apiBase;
        this.releaseRepo = releaseRepo;
        this.limits = limits;
        this.debug = debug;
        this.clock = clock;
        this.signatures = signatures;
        this.info = info;
    }

    /** {@code PRODUCTIVE_K3S_RELEASE_API_URL} (any http(s) base, so mirrors and tests work), default GitHub. */
    public static URI apiBase(Map<String, String> env) {
        String value = env.getOrDefault(API_URL_VARIABLE, "");
        String base = value.isEmpty() ? DEFAULT_API_URL : value;
        try {
            URI uri = new URI(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw EngineException.invalid(API_URL_VARIABLE + " must be an http(s) URL, got '" + base + "'");
    }

    /**
     * The Core version {@code core fetch|info} work on: {@code --version} when given, else the effective one
     * (binding, else {@code PRODUCTIVE_K3S_VERSION}, else the release default), without a leading {@code v}.
     * On a bound release another version is refused with the binding message (exit 4).
     */
    public static String selectVersion(Release release, String requested, Map<String, String> env) {
        Optional<String> bound = release.boundCore();
        if (requested != null) {
            if (!CoreSettings.isValidVersion(requested)) {
                throw EngineException.invalid("invalid --version: " + requested);
            }
            if (bound.isPresent() && !Release.stripV(requested).equals(bound.get())) {
                throw EngineException.invalid("release " + release.engineVersion() + " is bound to productive-k3s " + bound.get()
                        + "; refusing requested --version " + requested);
            }
            return Release.stripV(requested);
        }
        String fromEnv = env.getOrDefault("PRODUCTIVE_K3S_VERSION", "");
        String version = bound.orElse(fromEnv.isEmpty() ? CoreDefaults.from(env).coreVersion() : fromEnv);
        if (!CoreSettings.isValidVersion(version)) {
            throw EngineException.invalid("invalid PRODUCTIVE_K3S_VERSION: " + version);
        }
        return Release.stripV(version);
    }

    /** The bundle of {@code version} if a complete one is in the cache; creates nothing. */
    public Optional<CoreBundle> cached(String version) {
        Path dir = cacheDir.root().resolve("core").resolve(version);
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? readMarker(CacheDir.checkPrivate(dir), version) : Optional.empty();
    }

    /** Downloads, verifies and unpacks {@code version} unless it is already cached; exit 3 offline without a copy. */
    public Fetched fetch(String version) {
        Path area = cacheDir.area("core");
        Path dir = area.resolve(version);
        try (CacheLock lock = CacheLock.acquire(area.resolve(version + ".lock"), debug)) {
            Optional<CoreBundle> existing = cached(version);
            if (existing.isPresent()) {
                return new Fetched(existing.get(), true);
            }
            if (artifacts.offline()) {
                throw EngineException.missing("productive-k3s-core " + version + " is not in the cache and --offline forbids "
                        + "downloading it; run 'core fetch --version " + version + "' once with network access");
            }
            String archive = "productive-k3s-core-" + version + ".tar.gz";
            JsonNode release = releaseMetadata(version);
            URI archiveUrl = asset(release, archive, version);
            String checksumName = archive + ".sha256";
            URI checksumUrl = asset(release, checksumName, version);
            byte[] checksum = artifacts.downloader().fetchSmall(checksumUrl, 64 * 1024, false, Map.of()).orElseThrow();
            checkSignature(release, checksumName, checksum, version);
            String expected = Sha256Line.parseFile(checksum, checksumName);
            ArtifactCache.Cached download = artifacts.fetch(new ArtifactCache.Request(archiveUrl, Optional.of(expected), archive,
                    limits.maxBytes()));
            CoreBundle bundle = install(download, area, dir, archive, version, Downloader.shown(archiveUrl));
            return new Fetched(bundle, false);
        }
    }

    /** Release metadata: {@code tags/<version>}, and on failure {@code tags/v<version>} (docs/contract/core.md#core-bundle-contract step 1). */
    private JsonNode releaseMetadata(String version) {
        Map<String, String> headers = Map.of("Accept", "application/vnd.github+json");
        URI plain = releaseUri(version);
        EngineException firstFailure = null;
        Optional<byte[]> body;
        try {
            body = artifacts.downloader().fetchSmall(plain, MAX_METADATA_BYTES, true, headers);
        } catch (EngineException e) {
            if (e.exitCode() != EngineException.MISSING) {
                throw e;
            }
            firstFailure = e;
            body = Optional.empty();
        }
        if (body.isEmpty()) {
            debug.accept("release " + version + " not found at " + Downloader.shown(plain) + "; trying tag v" + version);
            try {
                body = artifacts.downloader().fetchSmall(releaseUri("v" + version), MAX_METADATA_BYTES, true, headers);
            } catch (EngineException e) {
                throw firstFailure != null ? firstFailure : e;
            }
        }
        if (body.isEmpty()) {
            if (firstFailure != null) {
                throw firstFailure;
            }
            throw EngineException.missing("productive-k3s-core release '" + version + "' not found in " + releaseRepo + " at "
                    + Downloader.shown(apiBase) + "; check --version, PRODUCTIVE_K3S_RELEASE_REPO and " + API_URL_VARIABLE);
        }
        try {
            JsonNode node = Json.parse(new String(body.get(), StandardCharsets.UTF_8));
            if (!node.isObject()) {
                throw new IOException("not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw EngineException.invalid("release metadata of productive-k3s-core '" + version + "' from " + releaseRepo
                    + " is not valid JSON");
        }
    }

    private URI releaseUri(String tag) {
        return URI.create(apiBase + "/repos/" + releaseRepo + "/releases/tags/" + tag);
    }

    /**
     * The checksum file's signature, when the release lists {@code <checksum>.sig} among its assets: fetched through
     * the download cache like a package's {@code <url>.sig}, checked in namespace {@code pk3s-core} with the run's
     * trust file, and judged by the policy (docs/signing.md "Core release bundles"). A refusal is exit 4 before the
     * checksum is read, so nothing is downloaded or unpacked on its word; {@code off} fetches nothing.
     */
    private void checkSignature(JsonNode release, String checksumName, byte[] checksum, String version) {
        String signatureName = checksumName + SignatureFile.SUFFIX;
        String lookedFor = "asset '" + signatureName + "' in release '" + version + "' from " + releaseRepo;
        Optional<SignatureFile> signature = Optional.empty();
        if (signatures.policy() != SignaturePolicy.OFF) {
            Optional<URI> url = findAsset(release, signatureName, version);
            if (url.isPresent()) {
                lookedFor = Downloader.shown(url.get());
                ArtifactCache.Cached cached = artifacts.fetch(new ArtifactCache.Request(url.get(), Optional.empty(), signatureName,
                        SshSignature.MAX_BYTES));
                signature = Optional.of(SignatureFile.read(cached.file(), lookedFor));
            }
        }
        Verdict verdict = signatures.verify(new SignatureVerifier.Subject(checksumName, SignatureVerifier.Content.of(checksum),
                signature, lookedFor), SignatureVerifier.CORE_NAMESPACE);
        String line = verdict.decision().enforce();
        if (!line.isEmpty()) {
            info.accept(line);
        }
    }

    /** The download URL of an asset by exact name (docs/contract/core.md#core-bundle-contract step 2). */
    private URI asset(JsonNode release, String name, String version) {
        return findAsset(release, name, version).orElseThrow(() -> EngineException.missing("could not find asset '" + name
                + "' in release '" + version + "' from " + releaseRepo));
    }

    /** An asset listed by exact name; exit 4 when it is listed without a usable download URL. */
    private Optional<URI> findAsset(JsonNode release, String name, String version) {
        for (JsonNode asset : release.path("assets")) {
            if (name.equals(asset.path("name").asText(null))) {
                String url = asset.path("browser_download_url").asText("");
                try {
                    URI uri = new URI(url);
                    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                    if ((scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null) {
                        return Optional.of(uri);
                    }
                } catch (URISyntaxException e) {
                    // reported below
                }
                throw EngineException.invalid("asset '" + name + "' in release '" + version + "' from " + releaseRepo
                        + " has no usable download URL");
            }
        }
        return Optional.empty();
    }

    /**
     * Safe extraction into a private staging directory, contract checks, the record written, then one rename of the
     * whole version directory into place: a half-unpacked bundle is never visible, and a failure leaves nothing.
     */
    private CoreBundle install(ArtifactCache.Cached download, Path area, Path dir, String archive, String version, String sourceUrl) {
        Path staging;
        try {
            staging = Files.createTempDirectory(area, "." + version + "-", PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a staging directory in " + area, e);
        }
        Thread cleanup = new Thread(() -> Files2.deleteQuietly(staging), "core-unpack-cleanup");
        ShutdownHooks.add(cleanup);
        try {
            Path extracted = Files.createDirectory(staging.resolve("extract"));
            ArchiveTree tree = SafeArchive.extract(download.file(), archive, extracted, limits, WORDING);
            if (tree.topLevelNames().size() != 1 || tree.topLevelDirectories().size() != 1) {
                throw EngineException.invalid("productive-k3s-core bundle must contain one top-level directory: " + archive);
            }
            Path top = extracted.resolve(tree.topLevelDirectories().iterator().next());
            for (String rel : REQUIRED_FILES) {
                // Checked on disk, so a member that is a (confined) symlink to a script counts as present.
                if (!Files.isRegularFile(top.resolve(rel))) {
                    throw EngineException.invalid("productive-k3s-core remote bundle is incomplete; missing " + rel + " in " + archive);
                }
            }
            JsonNode bundleInfo = readBundleInfo(top, archive);
            Path prepared = Files.createDirectory(staging.resolve(version), PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
            String unpackedName = "productive-k3s-core-" + version;
            Files.move(top, prepared.resolve(unpackedName));
            CoreBundle bundle = new CoreBundle(version, releaseRepo, dir.resolve(unpackedName), archive, download.sha256(),
                    sourceUrl, Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString(), bundleInfo);
            writeMarker(prepared, bundle);
            // An earlier directory without a valid record (e.g. from an older engine) is replaced.
            Files2.deleteRecursively(dir);
            Files.move(prepared, dir);
            return bundle;
        } catch (IOException e) {
            throw new UncheckedIOException("could not unpack " + archive + " into " + dir, e);
        } finally {
            Files2.deleteQuietly(staging);
            try {
                ShutdownHooks.remove(cleanup);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook runs anyway
            }
        }
    }

    /** Core's {@code bundle-info.json} (docs/contract/core.md#core-bundle-contract step 5): a JSON object naming {@code productive-k3s-core}. */
    private static JsonNode readBundleInfo(Path top, String archive) {
        JsonNode info;
        try {
            info = Json.parse(Files.readString(top.resolve("bundle-info.json")));
        } catch (IOException | RuntimeException e) {
            throw EngineException.invalid("productive-k3s-core bundle-info.json in " + archive + " is not valid JSON");
        }
        String name = info.path("bundle_name").asText("");
        if (!info.isObject() || !name.equals("productive-k3s-core")) {
            throw EngineException.invalid("productive-k3s-core bundle-info.json in " + archive
                    + " does not describe productive-k3s-core (bundle_name '" + name + "')");
        }
        return info;
    }

    private void writeMarker(Path dir, CoreBundle bundle) {
        ObjectNode node = Json.object();
        node.put("version", bundle.version());
        node.put("release_repo", bundle.releaseRepo());
        node.put("path", bundle.path().toString());
        node.put("archive", bundle.archive());
        node.put("sha256", bundle.sha256());
        node.put("source_url", bundle.sourceUrl());
        node.put("fetched_at", bundle.fetchedAt());
        try {
            Files2.writeAtomically(dir.resolve(MARKER), Json.pretty(node), Files2.FILE_PRIVATE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not record the Core bundle in " + dir, e);
        }
    }

    private Optional<CoreBundle> readMarker(Path dir, String version) {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            JsonNode node = Json.parse(Files.readString(marker));
            Path path = dir.resolve("productive-k3s-core-" + version);
            if (!version.equals(node.path("version").asText()) || !CoreSettings.looksLikeCoreCheckout(path)) {
                debug.accept("ignoring incomplete Core bundle in " + dir);
                return Optional.empty();
            }
            String archive = node.path("archive").asText();
            return Optional.of(new CoreBundle(version, node.path("release_repo").asText(), path, archive,
                    node.path("sha256").asText(), node.path("source_url").asText(), node.path("fetched_at").asText(),
                    readBundleInfo(path, archive)));
        } catch (IOException | EngineException e) {
            debug.accept("ignoring unreadable Core bundle record " + marker + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
