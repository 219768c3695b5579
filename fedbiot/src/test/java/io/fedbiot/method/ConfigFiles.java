package io.fedbiot.method;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A YAML config written to {@code c.yaml} in a test's folder and loaded with {@code --set}-style overrides. */
final class ConfigFiles {
    private ConfigFiles() {}

    static ExperimentConfig load(Path dir, String yaml, String... sets) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ExperimentConfig.load(f, List.of(sets));
    }

    /** The error of a config that must fail; its message names the file. */
    static ExperimentConfigException failure(Path dir, String yaml, String... sets) {
        ExperimentConfigException e = assertThrows(ExperimentConfigException.class, () -> load(dir, yaml, sets));
        assertTrue(e.getMessage().contains("c.yaml"), e.getMessage());
        return e;
    }
}
