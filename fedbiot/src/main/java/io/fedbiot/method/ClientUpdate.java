package io.fedbiot.method;

/**
 * What a client sends back: its adapter LoRA (flat float32 block) and the samples it processed;
 * tokens and seqLen feed the server's cost table.
 */
public record ClientUpdate(int client, int round, float[] adapter, long samples, int nanSkipped, double meanLoss,
                           long tokens, int seqLen) {
    // No bytes() here: the flat block includes alignment padding; Costs.loraBytes counts the tensors.
}
