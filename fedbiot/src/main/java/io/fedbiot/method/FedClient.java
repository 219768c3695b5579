package io.fedbiot.method;

import io.fedbiot.engine.Rng;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LoraSet;

import java.lang.foreign.Arena;

/** A client: its private data, the compressed model it received, its local LoRA copies. */
public final class FedClient implements AutoCloseable {
    private final int id;
    private final BatchSource data;
    private final Arena arena = Arena.ofShared();
    private LlamaModel model;
    private LoraSet adapter, emulator;

    public FedClient(int id, BatchSource data) {
        this.id = id;
        this.data = data;
    }

    public void receive(ClientPackage pkg) {
        var be = pkg.weights().tokEmbeddings().backend();
        var cfg = pkg.weights().config();
        model = new LlamaModel(pkg.weights(), pkg.layers());
        adapter = LoraSet.empty(cfg, pkg.lora(), pkg.adapterLayers(), be, arena);
        model.attach(adapter);
        if (pkg.emulatorLayers().length > 0) {
            emulator = LoraSet.empty(cfg, pkg.lora(), pkg.emulatorLayers(), be, arena);
            model.attach(emulator);
        }
    }

    public ClientUpdate round(RoundPayload p) {
        if (model == null) throw new IllegalStateException("client " + id + " has not received the model");
        adapter.params().flat().copyFrom(p.adapter());
        if (p.emulator() != null) emulator.params().flat().copyFrom(p.emulator());
        try (Arena roundArena = Arena.ofShared()) {
            LoraSet anchor = adapter.copy(roundArena);
            ClientTrainer.Result r = ClientTrainer.train(model, adapter, anchor, data, p.settings(), new Rng(p.seed()));
            return new ClientUpdate(id, p.round(), adapter.params().flat().toFloatArray(), r.samples(), r.nanSkipped(), r.meanLoss(),
                    r.tokens(), r.seqLen());
        }
    }

    /** Bytes of this client's own state: its adapter and emulator LoRA blocks (the base weights are shared). */
    public long bytesHeld() {
        long b = adapter == null ? 0 : 4L * adapter.params().flat().numel();
        return b + (emulator == null ? 0 : 4L * emulator.params().flat().numel());
    }

    @Override
    public void close() {
        arena.close();
    }
}
