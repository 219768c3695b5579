package io.fedbiot.demo;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.BadRows;
import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetReader;
import io.fedbiot.data.Example;
import io.fedbiot.data.Splits;
import io.fedbiot.method.ExperimentConfig;
import io.fedbiot.method.RunPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The full demo's generated data, cut as its experiment cuts it: no held-out prompt is a training
 * or a public prompt (nor a validation prompt, for the test rows), and every family has at least 200 test rows. (The generator before
 * deduplication drew 400 rows per family from 456 possible reverse/upper questions: it repeated
 * prompts across the cut and held out about 40 rows per family.)
 */
class HeldOutOverlapTest {
    @TempDir
    Path tmp;

    @Test
    void heldOutPromptsAreNeverTrainingOrPublicPrompts() throws Exception {
        Demo.Plan files = writeWithoutPretraining();
        ExperimentConfig cfg = ExperimentConfig.load(files.yaml(), List.of());
        BadRows bad = new BadRows(BadRowPolicy.FAIL);
        List<Example> rows = DatasetReader.readAll(files.data().clients(), DataFormat.TASKS, bad);
        Set<String> publicPrompts = new HashSet<>();
        for (Example e : DatasetReader.readAll(files.data().publicSet(), DataFormat.ALPACA, bad)) publicPrompts.add(e.instruction());

        // The experiment's own cut of the client rows (RunPlan: train fraction 1 - heldout_fraction, the first seed).
        Splits.Split cut = Splits.split(rows.size(), 1 - cfg.eval().heldoutFraction(), cfg.seeds().getFirst());
        Set<String> training = new HashSet<>();
        for (int i : cut.train()) training.add(rows.get(i).instruction());
        // ... then its cut of the held-out rows into validation (picks the best round) and test (reported).
        var ep = new RunPlan.EvalPlan(1, 0, 0, false, 0, cfg.eval().validationFraction(), 0, 0); // only the fraction matters
        int[][] valTest = ep.validationAndTest(cut.heldOut(), cfg.seeds().getFirst());
        Set<String> validation = new HashSet<>();
        for (int i : valTest[0]) validation.add(rows.get(i).instruction());
        Map<String, Integer> heldPerFamily = new TreeMap<>();
        int overlaps = 0;
        String example = null;
        for (int i : valTest[1]) {
            Example e = rows.get(i);
            heldPerFamily.merge(e.field(DataFormat.FAMILY), 1, Integer::sum);
            if (training.contains(e.instruction()) || publicPrompts.contains(e.instruction()) || validation.contains(e.instruction())) {
                overlaps++;
                if (example == null) example = e.instruction();
            }
        }
        assertEquals(0, overlaps, overlaps + " test rows repeat a training, public or validation prompt, e.g. '" + example + "'");
        assertEquals(Set.of("add", "larger", "reverse", "upper"), heldPerFamily.keySet());
        heldPerFamily.forEach((f, n) -> assertTrue(n >= 200, f + ": only " + n + " test rows"));
        int evaluated = cfg.eval().maxRows() == 0 ? Integer.MAX_VALUE : cfg.eval().maxRows();
        assertTrue(evaluated >= 200 * heldPerFamily.size(), "the demo's loss covers at least 200 rows per family, max_rows " + evaluated);
    }

    @Test
    void aFamilyWithTooFewDistinctQuestionsIsRefusedNotRepeated() {
        var e = assertThrows(IllegalArgumentException.class, () -> DemoData.tasks(5000, 1));
        assertTrue(e.getMessage().contains("distinct questions"), e.getMessage());
    }

    /** The demo's data and experiment.yaml as prepare writes them, with a stand-in model path (the split needs no model). */
    private Demo.Plan writeWithoutPretraining() throws Exception {
        Demo.Scale s = Demo.Scale.full();
        DemoData data = DemoData.write(tmp.resolve("data"), s.sizes(), s.pretrain().seed());
        Path yaml = tmp.resolve("experiment.yaml");
        Files.writeString(yaml, Demo.yaml(tmp, data, tmp.resolve("model"), s));
        return new Demo.Plan(data, tmp.resolve("model"), false, yaml);
    }
}
