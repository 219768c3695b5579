package io.fedbiot.engine.io;

/** The on-disk formats {@link Checkpoint#load} understands. */
public enum CheckpointFormat {
    /** llama2.c legacy (version 0) float32 {@code .bin}. */
    LLAMA2C,
    /** A Hugging Face directory: config.json plus model.safetensors (or a sharded index). */
    HF_SAFETENSORS,
    /** GGUF v2/v3, architecture {@code llama}. */
    GGUF
}
