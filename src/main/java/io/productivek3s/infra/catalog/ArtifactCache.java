package io.productivek3s.infra.catalog;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.ShutdownHooks;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Downloaded artifacts, keyed by the sha256 of their URL (docs/catalogs.md#resolution step 6):
 * {@code <cache>/artifacts/<key>/<file name>} plus {@code artifact.properties} (digest, size, HTTP validators), with the
 * entry's lock file {@code <key>.lock} beside it.
 *
 * <p>A download goes to a temp file on the same filesystem, is hashed on the way, forced to disk, verified against
 * the expected digest when one is known, and only then renamed into place; the entry's lock serializes runs.
 * So a partial or unverified file is never used. A cached copy is reused when its recorded digest still matches
 * its bytes and the expected digest (if any); without an expected digest it is revalidated with a conditional
 * GET, or used as-is with {@code --offline}.
 */
public final class ArtifactCache {
    private static final String META = "artifact.properties";
    private static final String PART_SUFFIX = ".part";

    private final CacheDir cacheDir;
    private final Downloader downloader;
    private final boolean offline;
    private final Consumer<String> debug;
    private final Clock clock;

    /**
     * @param url      what to download
     * @param sha256   expected lowercase hex digest, when the publisher gave one
     * @param name     how the artifact is named in messages (catalog name, asset name, URL)
     * @param maxBytes size limit of the download
     */
    public record Request(URI url, Optional<String> sha256, String name, long maxBytes) {
    }

    /**
     * A file in the cache, intact. {@code verified}: its digest matched a published one (now or when it was
     * downloaded); {@code downloaded}: false when an existing copy was reused.
     */
    public record Cached(Path file, String sha256, boolean verified, boolean downloaded) {
    }

    private record Meta(String file, String sha256, boolean verified, Downloader.Validators validators) {
    }

    public ArtifactCache(CacheDir cacheDir, Downloader downloader, boolean offline, Consumer<String> debug, Clock clock) {
        this.cacheDir = cacheDir;
        this.downloader = downloader;
        this.offline = offline;
        this.debug = debug;
        this.clock = clock;
    }

    public boolean offline() {
        return offline;
    }

    public Downloader downloader() {
        return downloader;
    }

    public Cached fetch(Request request) {
        return fetch(request, false).orElseThrow();
    }

    /**
     * An optional artifact (a signature published beside a package), through the same path and cache as
     * {@link #fetch}: empty when the server answers 404/410, or with {@code --offline} when no copy is cached.
     */
    public Optional<Cached> fetchIfPublished(Request request) {
        return fetch(request, true);
    }

    private Optional<Cached> fetch(Request request, boolean optional) {
        String shown = Downloader.shown(request.url());
        Path area = cacheDir.area("artifacts");
        String key = Digests.sha256(request.url().toString().getBytes(StandardCharsets.UTF_8));
        Path dir = area.resolve(key);
        try (CacheLock lock = CacheLock.acquire(area.resolve(key + ".lock"), debug)) {
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                CacheDir.checkPrivate(dir);
            }
            removeStaleParts(area, key);
            Path file = dir.resolve(fileName(request.url()));
            Optional<Meta> meta = readMeta(dir).filter(m -> m.file().equals(file.getFileName().toString()));
            Optional<String> intact = meta.flatMap(m -> intactDigest(file, m));
            if (meta.isPresent() && intact.isEmpty()) {
                debug.accept("cached copy of " + shown + " is missing or damaged; ignoring it");
            }
            Downloader.Validators validators = Downloader.Validators.NONE;
            if (intact.isPresent()) {
                if (request.sha256().isPresent()) {
                    if (request.sha256().get().equals(intact.get())) {
                        debug.accept("using verified cached copy of " + shown + ": " + file);
                        return Optional.of(new Cached(file, intact.get(), true, false));
                    }
                    if (offline) {
                        throw Sha256Line.mismatch(request.name(), request.sha256().get(), intact.get());
                    }
                } else if (offline) {
                    debug.accept("offline: using cached copy of " + shown + ": " + file);
                    return Optional.of(new Cached(file, intact.get(), meta.get().verified(), false));
                } else {
                    validators = meta.get().validators();
                }
            }
            if (offline) {
                if (optional) {
                    debug.accept("offline: no cached copy of " + shown);
                    return Optional.empty();
                }
                throw EngineException.missing(request.name() + " is not in the cache and --offline forbids downloading "
                        + shown + "; run the command once without --offline");
            }
            return download(request, area.resolve("." + key + "-" + UUID.randomUUID() + PART_SUFFIX), dir, file, validators,
                    intact.isPresent() ? meta : Optional.empty(), optional);
        }
    }

    private Optional<Cached> download(Request request, Path part, Path dir, Path file, Downloader.Validators validators,
            Optional<Meta> intact, boolean optional) {
        Thread cleanup = new Thread(() -> Files2.deleteQuietly(part), "download-cleanup");
        ShutdownHooks.add(cleanup);
        try {
            debug.accept("downloading " + Downloader.shown(request.url()) + " into " + dir);
            Optional<Downloader.Transfer> answer = downloader.download(request.url(), validators, part, request.maxBytes(), optional);
            if (answer.isEmpty()) {
                debug.accept("not published: " + Downloader.shown(request.url()));
                return Optional.empty();
            }
            Downloader.Transfer transfer = answer.get();
            if (transfer.notModified()) {
                debug.accept("not modified on the server; using cached copy " + file);
                Meta kept = intact.orElseThrow(() -> EngineException.missing("could not download "
                        + Downloader.shown(request.url()) + ": unexpected HTTP 304 without a cached copy"));
                return Optional.of(new Cached(file, kept.sha256(), kept.verified(), false));
            }
            if (request.sha256().isPresent() && !request.sha256().get().equals(transfer.sha256())) {
                throw Sha256Line.mismatch(request.name(), request.sha256().get(), transfer.sha256());
            }
            Files2.createPrivateDirectories(dir);
            CacheDir.checkPrivate(dir);
            Files2.moveAtomically(part, file);
            forceDirectory(dir);
            writeMeta(dir, request, file, transfer);
            return Optional.of(new Cached(file, transfer.sha256(), request.sha256().isPresent(), true));
        } catch (IOException e) {
            throw new UncheckedIOException("could not store a download in the cache " + dir, e);
        } finally {
            Files2.deleteQuietly(part);
            removeHook(cleanup);
        }
    }

    /** The URL's last path segment made safe as a file name, so the cache stays readable for people. */
    static String fileName(URI url) {
        String path = url.getPath() == null ? "" : url.getPath();
        String last = path.substring(path.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
        if (last.length() > 120) {
            last = last.substring(last.length() - 120);
        }
        return last.isEmpty() || last.startsWith(".") || last.equals(META) ? "artifact" + last : last;
    }

    private Optional<Meta> readMeta(Path dir) {
        Path file = dir.resolve(META);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Properties meta = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            meta.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            debug.accept("ignoring unreadable cache metadata " + file + ": " + e.getMessage());
            return Optional.empty();
        }
        Optional<String> sha = Sha256Line.digest(meta.getProperty("sha256"));
        String name = meta.getProperty("file", "");
        if (sha.isEmpty() || name.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Meta(name, sha.get(), Boolean.parseBoolean(meta.getProperty("verified")),
                new Downloader.Validators(meta.getProperty("etag"), meta.getProperty("last_modified"))));
    }

    /** The file's digest when it still matches what was recorded at download time. */
    private static Optional<String> intactDigest(Path file, Meta meta) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String actual = Digests.sha256(file);
        return actual.equals(meta.sha256()) ? Optional.of(actual) : Optional.empty();
    }

    /** A properties file, not JSON: reading it must stay cheap on the cached path, which runs on every command. */
    private void writeMeta(Path dir, Request request, Path file, Downloader.Transfer transfer) throws IOException {
        Properties meta = new Properties();
        meta.setProperty("url", Downloader.shown(request.url()));
        meta.setProperty("file", file.getFileName().toString());
        meta.setProperty("sha256", transfer.sha256());
        meta.setProperty("size", Long.toString(transfer.size()));
        meta.setProperty("verified", Boolean.toString(request.sha256().isPresent()));
        if (transfer.validators().etag() != null) {
            meta.setProperty("etag", transfer.validators().etag());
        }
        if (transfer.validators().lastModified() != null) {
            meta.setProperty("last_modified", transfer.validators().lastModified());
        }
        meta.setProperty("fetched_at", Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
        StringWriter text = new StringWriter();
        meta.store(text, "productive-k3s-infra download cache entry");
        Files2.writeAtomically(dir.resolve(META), text.toString(), Files2.FILE_PRIVATE);
    }

    /** Temp files of a run that died mid-download; safe to delete while holding the entry's lock. */
    private void removeStaleParts(Path area, String key) {
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(area, "." + key + "-*" + PART_SUFFIX)) {
            for (Path part : parts) {
                debug.accept("removing an interrupted download: " + part);
                Files2.deleteQuietly(part);
            }
        } catch (IOException e) {
            debug.accept("could not list " + area + ": " + e.getMessage());
        }
    }

    /** Makes the rename durable; not every platform can open a directory, which only costs durability there. */
    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | RuntimeException ignored) {
            // the rename itself is still atomic
        }
    }

    private static void removeHook(Thread hook) {
        try {
            ShutdownHooks.remove(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down: the hook runs anyway
        }
    }
}
