package io.fedbiot.method;

import io.fedbiot.engine.model.LlamaConfig;
import io.fedbiot.kernels.RopeStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Named method variants: {@code methods: [fedbiot, fedbiot_a4]} with {@code variants: {fedbiot_a4: {...}}}. */
class MethodVariantsTest {
    private static final String BASE = "model: m.bin\ndata: {client: {path: c.jsonl, format: tasks}, public: {path: p.jsonl, format: alpaca}}\n";
    private static final LlamaConfig L12 = new LlamaConfig(32, 64, 12, 2, 2, 100, 512, 10000f, 1e-5f, false, RopeStyle.HALF_SPLIT);

    @TempDir
    Path tmp;

    private String problems(String yaml, String... sets) {
        return String.join("\n", ConfigFiles.failure(tmp, yaml, sets).problems());
    }

    @Test
    void aVariantRunsItsMethodWithItsOwnAdapterAndBeta() throws IOException {
        ExperimentConfig c = ConfigFiles.load(tmp, BASE + """
                methods: [fedbiot, fedbiot_a4, FedOT, fedot_half]
                variants:
                  fedbiot_a4: {method: fedbiot, adapter: 4}
                  fedot_half: {method: fedot, beta: 0.5}
                beta: 0.25
                """);
        assertEquals(List.of("fedbiot", "fedbiot_a4", "fedot", "fedot_half"), c.methods(), "a method's spelling is stored as its key");
        List<ExperimentConfig.MethodSpec> specs = c.methodSpecs();
        assertEquals(new ExperimentConfig.MethodSpec("fedbiot", "FedBiOT", Method.FEDBIOT, 2, 0.25), specs.get(0));
        assertEquals(new ExperimentConfig.MethodSpec("fedbiot_a4", "FedBiOT a=4", Method.FEDBIOT, 4, 0.25), specs.get(1));
        assertEquals(new ExperimentConfig.MethodSpec("fedot_half", "FedOT β=0.5", Method.FEDOT, 2, 0.5), specs.get(3));

        RunPlan plan = RunPlan.resolve(c, L12);
        assertEquals(List.of("FedBiOT", "FedBiOT a=4", "FedOT", "FedOT β=0.5"), plan.runs().stream().map(RunPlan.MethodRun::label).toList());
        // The splits follow ALGORITHM.md §2 from each variant's own a and β: FedBiOT a=4 compresses [0, 8), FedOT [2, 10).
        assertArrayEquals(new int[]{8, 9, 10, 11}, plan.runs().get(1).split().adapter());
        assertEquals(8, plan.runs().get(1).split().teacherTo());
        assertArrayEquals(Split.keptLayers(2, 10, 0.5), plan.runs().get(3).split().kept());
        assertEquals(4, plan.runs().get(3).split().dropped().length, "rint(8 · 0.5) = 4 of 8 kept");
        assertEquals("fedbiot-seed0", plan.runs().get(0).folder(), "a plain method's folder is as before");
        assertEquals("fedbiot_a4-seed0", plan.runs().get(1).folder());
        assertEquals(Method.FEDBIOT, plan.runs().get(1).settings().method());
        assertEquals(c.prealignRounds(), plan.runs().get(1).settings().prealign(), "a FedBiOT variant pre-aligns as FedBiOT does");
    }

    @Test
    void theConfigEchoReadsBackToTheSameVariants() throws IOException {
        ExperimentConfig c = ConfigFiles.load(tmp, BASE + "methods: [fedbiot, fedbiot_a4]\nvariants: {fedbiot_a4: {method: fedbiot, adapter: 4}}\n");
        Path echo = tmp.resolve("echo.yaml");
        Files.writeString(echo, c.toYaml());
        assertEquals(c, ExperimentConfig.load(echo, List.of()));
        assertFalse(c.toYaml().contains("beta: null"), "an unset override is left out, not written as null:\n" + c.toYaml());
    }

    @Test
    void aVariantLeftOutOfMethodsDoesNotRun() throws IOException {
        ExperimentConfig c = ConfigFiles.load(tmp, BASE + "methods: [fedbiot, v]\nvariants: {v: {method: fedbiot, adapter: 4}}\n", "methods=[fedlora]");
        assertEquals(List.of("fedlora"), c.methodSpecs().stream().map(ExperimentConfig.MethodSpec::name).toList());
    }

    @Test
    void aVariantCanBeAddedFromTheCommandLine() throws IOException {
        ExperimentConfig c = ConfigFiles.load(tmp, BASE, "methods=[fedbiot, fedbiot_a3]", "variants.fedbiot_a3.method=fedbiot",
                "variants.fedbiot_a3.adapter=3");
        assertEquals(3, c.methodSpecs().get(1).adapter());
    }

    @Test
    void unknownNamesAndBadVariantsAreNamed() {
        assertTrue(problems(BASE + "methods: [fedbiot, fedbiot_a4]\n").contains("methods[1]: unknown 'fedbiot_a4'"));
        String typo = problems(BASE + "methods: [v]\nvariants: {v: {method: fedbiot, adaptr: 4}}\n");
        assertTrue(typo.contains("unknown key 'variants.v.adaptr' (did you mean 'variants.v.adapter'?)"), typo);
        assertTrue(problems(BASE + "methods: [v]\nvariants: {v: {method: fedbot}}\n").contains("variants.v.method: expected a method name"));
        assertTrue(problems(BASE + "methods: [v]\nvariants: {v: {adapter: 4}}\n").contains("variants.v.method: required"));
        assertTrue(problems(BASE + "methods: [fedot]\nvariants: {fedot: {method: fedot, beta: 0.5}}\n").contains("is a method's own name"));
        assertTrue(problems(BASE + "methods: [v]\nvariants: {v: {method: fedot, adapter: 4}}\n").contains("variants.v.adapter: only FedBiOT"));
        assertTrue(problems(BASE + "methods: [v]\nvariants: {v: {method: fedbiot, beta: 1.5}}\n").contains("variants.v.beta: must be in [0, 1)"));
        assertTrue(problems(BASE + "methods: [v]\nvariants: {v: {method: fedbiot, adapter: 0}}\n").contains("variants.v.adapter: must be >= 1"));
        assertTrue(problems(BASE + "methods: [v]\nvariants: {v: 4}\n").contains("variants.v: must be a section with keys method, adapter, beta"));
        assertTrue(problems(BASE + "methods: [A4]\nvariants: {A4: {method: fedbiot}}\n").contains("variants.A4: a variant's name must be lower-case"));
    }

    @Test
    void aVariantOfOffsiteTuningIsRefusedUnderSecureAggregationLikeTheMethod() {
        String p = problems(BASE + "methods: [v]\nvariants: {v: {method: offsite-tuning, beta: 0.5}}\nsecure_aggregation: true\n");
        assertTrue(p.contains("secure_aggregation: offsite-tuning trains one client"), p);
    }
}
