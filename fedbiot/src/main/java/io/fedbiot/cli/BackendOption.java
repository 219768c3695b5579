package io.fedbiot.cli;

import io.fedbiot.engine.model.DeviceWeights;
import io.fedbiot.engine.model.LlamaWeights;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;

/** {@code --backend NAME [--bf16-weights]}: {@link BackendChoice} and where generate keeps its weights. */
public final class BackendOption extends BackendChoice {
    @Option(names = "--bf16-weights", description = "With --backend cuda (or gpu): keep the frozen linear weights in bf16 on the GPU.")
    boolean bf16;

    /**
     * The weights on the chosen backend: as they are (memory-mapped, no copy) when that backend
     * owns them already, else one copy in {@code arena} owned by it (ops run on the backend that
     * owns their operands), on a GPU for the whole run.
     */
    public LlamaWeights place(LlamaWeights w, Arena arena) {
        return bf16 ? DeviceWeights.toDevice(w, backend(), arena, true) : w.on(backend(), arena);
    }
}
