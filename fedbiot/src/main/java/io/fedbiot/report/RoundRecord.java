package io.fedbiot.report;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one round of one run (method, seed) produced. NaN marks a value that does not apply
 * (no alignment for FedOT, no evaluation this round); costs are per client where the name says so.
 *
 * @param method             the method's label, e.g. "FedBiOT"
 * @param round              0-based round index
 * @param trainLoss          client-average training loss this round
 * @param alignNmse          alignment NMSE at the end of this round's alignment (NaN: none)
 * @param alignKl            alignment KL likewise
 * @param eval               evaluation metrics by "Variant/metric" ("AdapEmu/loss", "AdapFu/gsm8k_em"); empty if none
 * @param bytesDown          bytes the server sent to one client this round
 * @param bytesUp            bytes one client sent back this round
 * @param clientFlops        training FLOPs of one client this round
 * @param serverAlignSeconds server wall time spent aligning this round
 * @param serverAlignFlops   server alignment FLOPs this round
 * @param wallSeconds        wall time of the whole round
 * @param clients            clients sent this round's payload
 * @param updates            clients whose update came back
 * @param packageBytes       the one-off compressed-model download to all clients, on the run's first round only (else 0)
 * @param nanSkipped         client steps skipped this round for a non-finite loss or gradient, summed over clients
 * @param alignNanSkipped    server alignment steps skipped likewise
 */
public record RoundRecord(String method, long seed, int round, double trainLoss, double alignNmse, double alignKl,
                          Map<String, Double> eval, long bytesDown, long bytesUp, double clientFlops,
                          double serverAlignSeconds, double serverAlignFlops, double wallSeconds,
                          int clients, int updates, long packageBytes, int nanSkipped, int alignNanSkipped) {
    public RoundRecord {
        Objects.requireNonNull(method, "method");
        // Sorted, so CSV and Arrow columns come out in the same order every time.
        eval = Collections.unmodifiableMap(new TreeMap<>(eval));
    }

    /** A round with no skipped step (tests, the untuned row, the Flight server's records). */
    public RoundRecord(String method, long seed, int round, double trainLoss, double alignNmse, double alignKl,
                       Map<String, Double> eval, long bytesDown, long bytesUp, double clientFlops,
                       double serverAlignSeconds, double serverAlignFlops, double wallSeconds,
                       int clients, int updates, long packageBytes) {
        this(method, seed, round, trainLoss, alignNmse, alignKl, eval, bytesDown, bytesUp, clientFlops, serverAlignSeconds,
                serverAlignFlops, wallSeconds, clients, updates, packageBytes, 0, 0);
    }

    /** The same round with {@code eval} in place of its metrics. */
    public RoundRecord withEval(Map<String, Double> eval) {
        return new RoundRecord(method, seed, round, trainLoss, alignNmse, alignKl, eval, bytesDown, bytesUp, clientFlops,
                serverAlignSeconds, serverAlignFlops, wallSeconds, clients, updates, packageBytes, nanSkipped, alignNanSkipped);
    }

    /** Everything the server sent this round: each client's payload, and the model package once. */
    public long bytesDownTotal() {
        return bytesDown * clients + packageBytes;
    }

    /** Everything the clients sent back this round. */
    public long bytesUpTotal() {
        return bytesUp * updates;
    }

    /** The metric's value, NaN when this round did not measure it. */
    public double metric(String key) {
        Double v = eval.get(key);
        return v == null ? Double.NaN : v;
    }
}
