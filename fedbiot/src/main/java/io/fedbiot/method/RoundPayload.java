package io.fedbiot.method;

/**
 * What a selected client receives each round: the global adapter LoRA and, for FedBiOT, the
 * re-aligned emulator LoRA (flat blocks, float32), plus its training settings and seed.
 */
public record RoundPayload(int round, float[] adapter, float[] emulator, ClientTrainer.Settings settings, long seed) {
    // No bytes() here: the flat blocks include alignment padding; Costs.roundDownload counts the tensors.
}
