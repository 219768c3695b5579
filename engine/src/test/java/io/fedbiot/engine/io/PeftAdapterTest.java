package io.fedbiot.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedbiot.engine.Rng;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraSet;
import io.fedbiot.engine.model.LoraTarget;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.RopeStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import static io.fedbiot.kernels.testing.KernelTesting.assertClose;
import static io.fedbiot.kernels.testing.KernelTesting.toDouble;
import static org.junit.jupiter.api.Assertions.*;

class PeftAdapterTest {
    @TempDir
    Path tmp;

    @Test
    void adapterOnTheHfCopyGivesTheSameLogits() throws Exception {
        try (Checkpoint ck = Checkpoint.load(SharedData.model("stories260K.bin")); Arena a = Arena.ofShared()) {
            LoraSet lora = LoraSet.create(ck.config(), new LoraConfig(4, 8f, 0.05f,
                    EnumSet.of(LoraTarget.WQ, LoraTarget.WK, LoraTarget.WV, LoraTarget.W2)), new int[]{3, 4}, Backends.java(), a, new Rng(1));
            new Rng(2).normal(lora.params().flat(), 0.1);
            LlamaModel ours = LlamaModel.full(ck.weights());
            ours.attach(lora);

            Path base = tmp.resolve("base"), adapter = tmp.resolve("adapter");
            ck.save(base);
            PeftAdapter.save(lora, adapter, "stories260K");

            JsonNode cfg = new ObjectMapper().readTree(adapter.resolve("adapter_config.json").toFile());
            assertEquals("LORA", cfg.get("peft_type").asText());
            assertEquals(4, cfg.get("r").asInt());
            assertEquals(8.0, cfg.get("lora_alpha").asDouble());
            assertEquals("[\"q_proj\",\"k_proj\",\"v_proj\",\"down_proj\"]", cfg.get("target_modules").toString());
            SafetensorsFile st = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"), a);
            assertTrue(st.has("base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight"));
            assertArrayEquals(new int[]{64, 4}, st.entry("base_model.model.model.layers.4.self_attn.q_proj.lora_B.weight").shape());
            assertEquals(16, st.entries().size());

            try (Checkpoint hf = Checkpoint.load(base); var s = StepScope.open()) {
                assertEquals(RopeStyle.HALF_SPLIT, hf.config().ropeStyle());
                LoraSet loaded = PeftAdapter.load(adapter, hf.config(), Backends.java(), a);
                LlamaModel theirs = LlamaModel.full(hf.weights());
                theirs.attach(loaded);
                int[] ids = {1, 403, 407, 261, 378, 432, 383, 286};
                Tensor x = Tensor.ofInts(Backends.java(), ids, 1, ids.length);
                assertClose("logits through the HF copy and the PEFT adapter",
                        toDouble(ours.forward(x).toFloatArray()), theirs.forward(x).toFloatArray(), 1e-4, 1e-5);
            }
            // Read back for the same (interleaved) model: identical values.
            LoraSet back = PeftAdapter.load(adapter, ck.config(), Backends.java(), a);
            assertArrayEquals(lora.params().flat().toFloatArray(), back.params().flat().toFloatArray());
        }
    }

    @Test
    void theBaseModelIsAnAbsolutePathOrAHubId() throws Exception {
        Path base = Files.createDirectories(tmp.resolve("models/hf-base"));
        Path cwd = Path.of("").toAbsolutePath();
        String relative = cwd.relativize(base).toString(); // reaches tmp through ".." from the working directory
        assertFalse(Path.of(relative).isAbsolute());
        assertEquals(base.toString(), PeftAdapter.baseModelName(relative));
        assertEquals(base.toString(), PeftAdapter.baseModelName(base + "/../hf-base"));
        assertEquals(cwd.resolve("missing/model.bin").toString(), PeftAdapter.baseModelName("./missing/model.bin"));
        assertEquals(cwd.resolve("stories260K.bin").toString(), PeftAdapter.baseModelName("stories260K.bin"));
        assertEquals("meta-llama/Llama-2-7b-hf", PeftAdapter.baseModelName("meta-llama/Llama-2-7b-hf"));
        assertEquals("TinyLlama-1.1B", PeftAdapter.baseModelName("TinyLlama-1.1B"));

        try (Checkpoint ck = Checkpoint.load(SharedData.model("stories260K.bin")); Arena a = Arena.ofShared()) {
            LoraSet lora = LoraSet.create(ck.config(), LoraConfig.defaults(), new int[]{4}, Backends.java(), a, new Rng(1));
            PeftAdapter.save(lora, tmp.resolve("adapter"), relative);
            JsonNode cfg = new ObjectMapper().readTree(tmp.resolve("adapter/adapter_config.json").toFile());
            assertEquals(base.toString(), cfg.get("base_model_name_or_path").asText());
        }
    }

    @Test
    void aMissingOrWrongAdapterIsNamed() throws Exception {
        try (Checkpoint ck = Checkpoint.load(SharedData.model("stories260K.bin")); Arena a = Arena.ofShared()) {
            var e = assertThrows(CheckpointFormatException.class, () -> PeftAdapter.load(tmp, ck.config(), Backends.java(), a));
            assertTrue(e.getMessage().contains("adapter_config.json"), e.getMessage());
            LoraSet lora = LoraSet.create(ck.config(), LoraConfig.defaults(), new int[]{4}, Backends.java(), a, new Rng(1));
            PeftAdapter.save(lora, tmp.resolve("x"), "stories260K");
            String cfg = Files.readString(tmp.resolve("x/adapter_config.json")).replace("\"r\" : 8", "\"r\" : 4");
            Files.writeString(tmp.resolve("x/adapter_config.json"), cfg);
            var shape = assertThrows(CheckpointFormatException.class, () -> PeftAdapter.load(tmp.resolve("x"), ck.config(), Backends.java(), a));
            assertTrue(shape.getMessage().contains("lora_A") && shape.getMessage().contains("[8, 64]"), shape.getMessage());
        }
    }
}
