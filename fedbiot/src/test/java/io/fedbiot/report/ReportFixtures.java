package io.fedbiot.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small fake runs with numbers chosen so the report's means and stds are easy to check by hand. */
final class ReportFixtures {
    private ReportFixtures() {}

    /**
     * FedBiOT seeds 1 and 2 over rounds 0..2 (eval at rounds 1 and 2); FedOT seed 1 only, no alignment.
     * FedBiOT AdapFu/loss: seed 1: 2.0, 1.0 (best 1.0, final 1.0); seed 2: 3.0, 4.0 (best 3.0, final 4.0).
     */
    static List<RoundRecord> records() {
        List<RoundRecord> rs = new ArrayList<>();
        rs.add(rec("FedBiOT", 1, 0, 3.0, 0.5, 0.2, Map.of()));
        rs.add(rec("FedBiOT", 1, 1, 2.0, 0.4, 0.1, Map.of("AdapEmu/loss", 2.5, "AdapFu/loss", 2.0, "AdapFu/gsm8k_em", 0.25)));
        rs.add(rec("FedBiOT", 1, 2, 1.0, 0.3, 0.05, Map.of("AdapEmu/loss", 2.25, "AdapFu/loss", 1.0, "AdapFu/gsm8k_em", 0.5)));
        rs.add(rec("FedBiOT", 2, 0, 4.0, 0.6, 0.3, Map.of()));
        rs.add(rec("FedBiOT", 2, 1, 3.0, 0.5, 0.2, Map.of("AdapEmu/loss", 3.5, "AdapFu/loss", 3.0, "AdapFu/gsm8k_em", 0.75)));
        rs.add(rec("FedBiOT", 2, 2, 2.0, 0.1, 0.1, Map.of("AdapEmu/loss", 3.75, "AdapFu/loss", 4.0, "AdapFu/gsm8k_em", 0.5)));
        rs.add(new RoundRecord("FedOT", 1, 0, 5.0, Double.NaN, Double.NaN, Map.of("AdapEmu/loss", 4.5, "AdapFu/loss", 4.25),
                4096, 2048, 3.0e12, 0, 0, 10, 1, 1, 0));
        rs.add(new RoundRecord("FedOT", 1, 1, 4.5, Double.NaN, Double.NaN, Map.of("AdapEmu/loss", 4.0, "AdapFu/loss", 4.5),
                4096, 2048, 3.0e12, 0, 0, 12, 1, 1, 0));
        return rs;
    }

    /**
     * FedBiOT costs: 1 MiB down, 512 KiB up, 1e12 client FLOPs, 2 s and 5e12 FLOPs aligning, 4 s per round;
     * 3 clients sent the payload, 2 back; the compressed model (3 × 1000 B) in round 0.
     */
    private static RoundRecord rec(String m, long seed, int round, double loss, double nmse, double kl, Map<String, Double> eval) {
        return new RoundRecord(m, seed, round, loss, nmse, kl, eval, 1 << 20, 1 << 19, 1e12, 2.0, 5e12, 4.0, 3, 2,
                round == 0 ? 3000 : 0);
    }
}
