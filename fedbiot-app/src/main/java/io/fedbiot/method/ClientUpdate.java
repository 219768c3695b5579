package io.fedbiot.method;

/** What a client sends back: its adapter LoRA (flat float32 block) and the samples it processed. */
public record ClientUpdate(int client, int round, float[] adapter, long samples, int nanSkipped, double meanLoss) {
    public long bytes() {
        return 4L * adapter.length + Long.BYTES;
    }
}
