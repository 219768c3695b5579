package io.fedbiot.method;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** secure_aggregation and its parameters: defaults, and every bad value named before any work. */
class SecureAggregationConfigTest {
    @TempDir
    Path tmp;

    private ExperimentConfig load(String... sets) throws IOException {
        return ConfigFiles.load(tmp, ExperimentConfigTest.MINIMAL, sets);
    }

    private String fails(String... sets) {
        return String.join("\n", ConfigFiles.failure(tmp, ExperimentConfigTest.MINIMAL, sets).problems());
    }

    @Test
    void offByDefaultWithAMajorityThresholdAnd24FractionBits() throws IOException {
        ExperimentConfig c = load();
        assertFalse(c.secureAggregation());
        assertEquals(0, c.secureAggregationThreshold());
        assertEquals(24, c.secureAggregationPrecisionBits());
        ExperimentConfig on = load("secure_aggregation=true", "secure_aggregation_threshold=3", "partition.clients=4",
                "secure_aggregation_precision_bits=16");
        assertTrue(on.secureAggregation());
        assertEquals(3, on.secureAggregationThreshold());
        assertEquals(16, on.secureAggregationPrecisionBits());
        assertEquals(on, ExperimentConfigLoader.bind(
                (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(on.toYaml()),
                List.of(), "echo"), "toYaml reads back");
    }

    @Test
    void badValuesAreNamed() {
        assertTrue(fails("secure_aggregation=3").contains("secure_aggregation: expected true or false, got 3"), fails("secure_aggregation=3"));
        assertTrue(fails("secure_aggregation_threshold=1").contains("secure_aggregation_threshold: must be 0 (a majority of each round's clients) or >= 2, got 1"));
        assertTrue(fails("secure_aggregation_threshold=-2").contains("secure_aggregation_threshold: must be 0"));
        assertTrue(fails("secure_aggregation_precision_bits=41").contains("secure_aggregation_precision_bits: must be in [8, 40], got 41"));
        assertTrue(fails("secure_aggregation_precision_bits=7").contains("got 7"));
        assertTrue(fails("secure_aggregation_thresold=2").contains("did you mean 'secure_aggregation_threshold'"));
    }

    @Test
    void theThresholdAndPrecisionAreCheckedAgainstTheClientsPerRound() {
        String m = fails("secure_aggregation=true", "partition.clients=4", "secure_aggregation_threshold=5");
        assertTrue(m.contains("secure_aggregation_threshold: 5 is more than the 4 clients per round (partition.clients)"), m);
        m = fails("secure_aggregation=true", "partition.clients=8", "partition.sample=3", "secure_aggregation_threshold=4");
        assertTrue(m.contains("more than the 3 clients per round (partition.sample)"), m);
        m = fails("secure_aggregation=true", "partition.clients=1");
        assertTrue(m.contains("secure_aggregation: needs at least 2 clients per round, partition.clients is 1"), m);
        m = fails("secure_aggregation=true", "partition.clients=1024", "secure_aggregation_precision_bits=40");
        assertTrue(m.contains("secure_aggregation_precision_bits: fixed-point with 40 fraction bits over 1024 clients leaves 13 integer bits"), m);
        m = fails("secure_aggregation=true", "methods=[fedbiot, offsite-tuning]");
        assertTrue(m.contains("secure_aggregation: offsite-tuning trains one client holding all the data"), m);
        // Off, the same partition is fine: the keys only bind when secure aggregation runs.
        assertDoesNotThrow(() -> load("partition.clients=1", "secure_aggregation_threshold=5", "methods=[offsite-tuning]"));
    }
}
