package io.fedbiot.engine.io;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** Paths into shared/data; missing data fails the test (CI always has it) instead of skipping it. */
public final class SharedData {
    private SharedData() {}

    public static Path root() {
        String p = System.getProperty("fedbiot.shared");
        Path shared = p != null ? Path.of(p) : Path.of("..", "..", "shared");
        return shared.resolve("data");
    }

    /** A file or folder under shared/data/models, which must exist. */
    public static Path model(String relative) {
        Path f = root().resolve("models").resolve(relative);
        if (!Files.exists(f))
            fail("test data " + f.toAbsolutePath() + " is missing: shared/data must be next to the repository"
                    + " (system property fedbiot.shared=" + System.getProperty("fedbiot.shared") + ")");
        return f;
    }
}
