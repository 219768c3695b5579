package io.fedbiot.method;

/**
 * What a selected client receives each round: the global adapter LoRA and, for FedBiOT, the
 * re-aligned emulator LoRA (flat blocks, float32), plus its training settings and seed.
 */
public record RoundPayload(int round, float[] adapter, float[] emulator, ClientTrainer.Settings settings, long seed) {
    public long bytes() {
        return 4L * adapter.length + (emulator == null ? 0 : 4L * emulator.length);
    }
}
