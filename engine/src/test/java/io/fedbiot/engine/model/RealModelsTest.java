package io.fedbiot.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedbiot.engine.StepScope;
import io.fedbiot.engine.Tensor;
import io.fedbiot.engine.autograd.Autograd;
import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.io.SafetensorsFile;
import io.fedbiot.engine.io.SharedData;
import io.fedbiot.kernels.Backends;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.fedbiot.kernels.testing.KernelTesting.assertClose;
import static io.fedbiot.kernels.testing.KernelTesting.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The model on real checkpoints against outputs of llama2.c and Hugging Face transformers. */
class RealModelsTest {

    /** llama2.c's greedy 256 steps from BOS, as token ids. */
    static int[] expectedStoriesIds() throws Exception {
        String text = Files.readString(SharedData.model("expected/stories260K-greedy-from-bos.ids")).trim();
        return Arrays.stream(text.split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    static int[] greedyFromBos(Path model, int steps) throws Exception {
        try (Checkpoint ck = Checkpoint.load(model)) {
            int[] out = Generator.generate(LlamaModel.full(ck.weights()), new int[]{1}, steps, new Sampler(0f, 1f, 0), 1, null);
            return Arrays.copyOfRange(out, 1, out.length);
        }
    }

    @Test
    void stories260KGreedyFromBosMatchesLlama2c() throws Exception {
        assertArrayEquals(expectedStoriesIds(), greedyFromBos(SharedData.model("stories260K.bin"), 256));
    }

    @Test
    void stories260KFromGgufGivesTheSameText() throws Exception {
        assertArrayEquals(expectedStoriesIds(), greedyFromBos(SharedData.model("gguf/stories260K.gguf"), 256));
    }

    @Test
    void hfTinyLlamaActivationsMatchTransformers() throws Exception {
        Path dir = SharedData.model("hf-tiny-llama-random");
        try (Checkpoint ck = Checkpoint.load(dir); Arena a = Arena.ofShared(); var s = StepScope.open();
             var ng = Autograd.noGrad()) {
            SafetensorsFile gold = SafetensorsFile.open(dir.resolve("expected/activations.safetensors"), a);
            int[] ids = gold.bytes("input_ids").toArray(ValueLayout.JAVA_INT);
            LlamaModel m = LlamaModel.full(ck.weights());
            Tensor h = m.embed(Tensor.ofInts(Backends.java(), ids, 1, ids.length));
            compare("embeddings", gold, a, h);
            for (int l = 0; l < m.depth(); l++) {
                h = m.layer(l, h, 0);
                compare("layers." + l, gold, a, h);
            }
            compare("final_norm", gold, a, io.fedbiot.engine.Nn.rmsnorm(h, ck.weights().norm(), ck.config().normEps()));
            compare("logits", gold, a, m.head(h));
        }
    }

    private static void compare(String name, SafetensorsFile gold, Arena a, Tensor ours) throws Exception {
        assertClose(name, toDouble(gold.f32(name, a).toFloatArray()), ours.toFloatArray(), 0, 1e-4);
    }

    @Test
    void hfTinyLlamaGreedyContinuationsMatchTransformers() throws Exception {
        Path dir = SharedData.model("hf-tiny-llama-random");
        JsonNode cases = new ObjectMapper().readTree(dir.resolve("expected/generate.json").toFile()).get("cases");
        for (Path model : new Path[]{dir, shardedCopy(dir)}) {
            try (Checkpoint ck = Checkpoint.load(model)) {
                LlamaModel m = LlamaModel.full(ck.weights());
                for (JsonNode c : cases) {
                    int[] prompt = ints(c.get("prompt_ids")), expected = ints(c.get("generated_ids"));
                    // EOS was suppressed in the golden run and BOS never stops it: stop id -1.
                    int[] out = Generator.generate(m, prompt, prompt.length + expected.length - 1,
                            new Sampler(0f, 1f, 0), -1, null);
                    assertArrayEquals(expected, Arrays.copyOfRange(out, prompt.length, out.length),
                            model + " " + c.get("name").asText());
                }
            }
        }
    }

    /** shared/data's sharded/ folder holds only the shards and index: pair them with the config. */
    private static Path shardedCopy(Path dir) throws Exception {
        Path tmp = Files.createTempDirectory("sharded");
        Files.copy(dir.resolve("config.json"), tmp.resolve("config.json"));
        try (var files = Files.list(dir.resolve("sharded"))) {
            for (Path f : files.toList()) Files.copy(f, tmp.resolve(f.getFileName()));
        }
        tmp.toFile().deleteOnExit();
        return tmp;
    }

    private static int[] ints(JsonNode arr) {
        int[] v = new int[arr.size()];
        for (int i = 0; i < v.length; i++) v[i] = arr.get(i).asInt();
        return v;
    }
}
