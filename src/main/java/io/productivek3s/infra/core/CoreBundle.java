package io.productivek3s.infra.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * A Productive K3S Core release bundle unpacked in the cache: a directory usable as a local Core checkout.
 *
 * @param path       the unpacked {@code productive-k3s-core-<version>/} directory
 * @param archive    the release asset name, {@code productive-k3s-core-<version>.tar.gz}
 * @param sha256     digest of the archive, as published in its {@code .sha256} asset
 * @param sourceUrl  where the archive was downloaded from (no credentials)
 * @param fetchedAt  ISO-8601 UTC time of the fetch
 * @param bundleInfo the bundle's own {@code bundle-info.json}
 */
public record CoreBundle(String version, String releaseRepo, Path path, String archive, String sha256, String sourceUrl,
                         String fetchedAt, JsonNode bundleInfo) {
}
