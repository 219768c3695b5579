package io.fedbiot.method;

import io.fedbiot.data.DataFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** lora.targets in both vocabularies, whole_layer_adapter gone, and example.yaml naming every format. */
class ConfigNamesTest {
    @TempDir
    Path tmp;

    private ExperimentConfig load(String... sets) throws IOException {
        return ConfigFiles.load(tmp, ExperimentConfigTest.MINIMAL, sets);
    }

    private String fails(String... sets) {
        return ConfigFiles.failure(tmp, ExperimentConfigTest.MINIMAL, sets).getMessage();
    }

    @Test
    void huggingFaceNamesAreOurModules() throws IOException {
        // LLaMA's MLP: Meta's w2(silu(w1 x) * w3 x) is HF's down_proj(act(gate_proj x) * up_proj x).
        ExperimentConfig c = load("lora.targets=[q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]");
        assertEquals(List.of("wq", "wk", "wv", "wo", "w1", "w3", "w2"), c.lora().targets());
        assertEquals(List.of("wq", "w2"), load("lora.targets=[wq, down_proj]").lora().targets());
    }

    @Test
    void oneModuleInBothVocabulariesIsListedTwice() {
        String m = fails("lora.targets=[wq, q_proj]");
        assertTrue(m.contains("lora.targets: listed twice"), m);
    }

    @Test
    void anUnknownModuleListsBothVocabularies() {
        String m = fails("lora.targets=[wq, qproj]");
        assertTrue(m.contains("lora.targets: unknown module 'qproj'"), m);
        for (String name : new String[]{"wq", "wk", "wv", "wo", "w1", "w2", "w3",
                "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"})
            assertTrue(m.contains(name), name + " missing from: " + m);
    }

    @Test
    void wholeLayerAdapterIsAnUnknownKey() {
        String m = fails("whole_layer_adapter=false");
        assertTrue(m.contains("unknown key 'whole_layer_adapter'"), m);
    }

    @Test
    void theExampleNamesEveryDataFormatAndNoRemovedKey() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        String example = Files.readString(root.resolve("configs/example.yaml"));
        for (DataFormat f : DataFormat.values())
            assertTrue(example.contains("| " + f.key()) || example.contains(f.key() + " |"), "format " + f.key() + " not in example.yaml");
        assertTrue(example.contains("gate_proj"), "the Hugging Face target names");
        // ALGORITHM.md §10 names it only to say it is refused.
        for (String doc : new String[]{"configs/example.yaml", "configs/gsm8k.yaml", "configs/dolly.yaml",
                "docs/ARCHITECTURE.md", "README.md"})
            assertFalse(Files.readString(root.resolve(doc)).contains("whole_layer_adapter"), doc + " still names whole_layer_adapter");
    }
}
