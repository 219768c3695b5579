package io.fedbiot.method;

import io.fedbiot.report.RoundCsv;
import io.fedbiot.report.RoundRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Whole in-process runs on stories260K with 100 clients: a tenth per round, and clients with no rows left out with a count. */
class ExperimentManyClientsTest {
    @TempDir
    Path tmp;

    private List<String> run(int rows, String... sets) throws Exception {
        Files.writeString(tmp.resolve("client.json"), TestData.arithmeticRows(rows, 3));
        Path yaml = Files.writeString(tmp.resolve("many.yaml"), """
                model: %s
                tokenizer: %s
                data:
                  client: {path: %s, format: alpaca}
                  max_len: 160
                  cache: %s
                partition: {by: iid, clients: 100}
                methods: [fedot]
                rounds: 3
                local_steps: 1
                batch_size: 2
                seeds: [4]
                eval_every: 1000
                eval: {max_rows: 4, gsm8k_exact_match: false}
                output: %s
                """.formatted(TestData.shared("models/stories260K.bin").toAbsolutePath(), TestData.shared("models/tok512.bin").toAbsolutePath(),
                tmp.resolve("client.json"), tmp.resolve("cache"), tmp.resolve("out")));
        List<String> log = new ArrayList<>();
        Experiment.fromYaml(yaml, List.of(sets)).run(new Experiment.Listener() {
            @Override
            public void log(String line) {
                log.add(line);
            }
        });
        return log;
    }

    @Test
    void aHundredClientsAtATenthTrainTenPerRoundAndHoldOneAtATime() throws Exception {
        List<String> log = run(150, "partition.participation=0.1"); // 135 training rows: every client has one or two
        for (RoundRecord r : RoundCsv.read(tmp.resolve("out/rounds.csv"))) assertEquals(10, r.clients(), "round " + r.round());
        assertTrue(log.contains("100 clients, training rows per client min 1 / median 1 / max 2, 10 drawn per round"), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("client state: at most 1 of 100 clients held at once")), log.toString());
        String report = Files.readString(tmp.resolve("out/report.md"));
        assertTrue(report.contains("Clients: 100 clients, training rows per client min 1 / median 1 / max 2"), report);
    }

    @Test
    void clientsWithNoRowsAreLeftOutWithACount() throws Exception {
        // 40 rows: 36 train, so 64 of the 100 iid clients get none; a quarter of the 36 others per round is 9.
        List<String> log = run(40, "partition.participation=0.25");
        for (RoundRecord r : RoundCsv.read(tmp.resolve("out/rounds.csv"))) assertEquals(9, r.clients(), "round " + r.round());
        String line = log.stream().filter(l -> l.startsWith("100 clients")).findFirst().orElseThrow();
        assertTrue(line.endsWith("9 drawn per round; 64 left out with no training rows (first [36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55])"), line);
        assertTrue(Files.readString(tmp.resolve("out/report.md")).contains("64 left out with no training rows"));
    }
}
