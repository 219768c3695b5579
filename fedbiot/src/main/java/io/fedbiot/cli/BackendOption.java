package io.fedbiot.cli;

import io.fedbiot.engine.model.DeviceWeights;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;

/** {@code --backend NAME [--bf16-weights]}: where a command's kernels run, mixed into the commands that compute. */
public final class BackendOption {
    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
            description = "Kernel backend: java, native (C kernels), cuda (GPU), or auto (cuda when a usable GPU is found, "
                    + "else native when its library loads, else java; logged). Default: ${DEFAULT-VALUE}.")
    String name = "auto";

    @Option(names = "--bf16-weights", description = "With --backend cuda: keep the frozen linear weights in bf16 on the GPU.")
    boolean bf16;

    /** The chosen backend; an IllegalArgumentException naming why when it cannot run here. */
    public Backend backend() {
        try {
            return Backends.byName(name);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("--backend " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * The weights on the chosen backend: as they are (memory-mapped, no copy) when that backend
     * owns them already, else one copy in {@code arena} owned by it (ops run on the backend that
     * owns their operands), on a GPU for the whole run.
     */
    public LlamaWeights place(LlamaWeights w, Arena arena) {
        return bf16 ? DeviceWeights.toDevice(w, backend(), arena, true) : w.on(backend(), arena);
    }
}
