package io.fedbiot.benchmarks;

import io.fedbiot.engine.model.LlamaConfig;

/** The benchmarks' shapes: the engine's table ({@link io.fedbiot.engine.model.ModelShapes}), shared with {@code bench --shape}. */
final class ModelShapes {
    private ModelShapes() {}

    static LlamaConfig byName(String name) {
        return io.fedbiot.engine.model.ModelShapes.byName(name);
    }
}
