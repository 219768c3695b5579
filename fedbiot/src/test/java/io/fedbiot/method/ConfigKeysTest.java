package io.fedbiot.method;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Duplicate keys are an error naming the key and its line (example.yaml coverage: ExperimentConfigTest). */
class ConfigKeysTest {
    @TempDir
    Path tmp;

    private ExperimentConfigException rejected(String yaml) throws IOException {
        Path f = Files.writeString(tmp.resolve("c.yaml"), yaml);
        ExperimentConfigException e = assertThrows(ExperimentConfigException.class, () -> ExperimentConfig.load(f, List.of()));
        assertTrue(e.getMessage().startsWith(f.toString()), "names the file: " + e.getMessage());
        return e;
    }

    @Test
    void aDuplicateKeyIsAnErrorNamingKeyAndLine() throws IOException {
        var e = rejected("model: m.bin\nrounds: 3\ndata:\n  client:\n    path: d.jsonl\n  max_len: 64\n  max_len: 32\n");
        assertTrue(e.getMessage().contains("duplicate key 'max_len'"), e.getMessage());
        assertTrue(e.getMessage().contains("line 7"), e.getMessage());
        var top = rejected("model: m.bin\nrounds: 3\nrounds: 4\n");
        assertTrue(top.getMessage().contains("'rounds'") && top.getMessage().contains("line 3"), top.getMessage());
    }

}
