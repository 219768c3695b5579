package io.fedbiot.data;

import java.util.Map;

/**
 * The JSON beside a cached Arrow file: what it was built from and with. A load uses the cache
 * only when all of the inputs still match (see {@link DatasetCache}).
 *
 * @param sourceModified the source's last-modified time as an ISO instant (full precision)
 * @param sourceSha256   of the source bytes at build time (provenance; staleness uses size and time)
 * @param dataFile       the Arrow file's name in the cache folder (content-addressed)
 */
public record CacheManifest(
        int cacheVersion,
        String source,
        String format,
        long sourceSize,
        String sourceModified,
        String sourceSha256,
        String tokenizerHash,
        String templateVersion,
        int maxLen,
        int rows,
        long tokens,
        Map<BadRowReason, Integer> badRows,
        String dataFile,
        long dataSize,
        String dataSha256) {
}
