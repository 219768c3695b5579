package io.fedbiot.method;

import io.fedbiot.report.RoundArrow;
import io.fedbiot.report.RoundCsv;
import io.fedbiot.report.RoundRecord;
import io.fedbiot.report.RunStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A tiny in-process run into a folder: metrics as each round ends, the status marker, the old run moved aside, orphans removed. */
class ExperimentRunFolderTest {
    @TempDir
    Path tmp;

    private Experiment experiment(int rounds) throws IOException {
        Files.writeString(tmp.resolve("client.json"), TestData.arithmeticRows(12, 1));
        Files.writeString(tmp.resolve("public.json"), TestData.arithmeticRows(10, 1000));
        Path yaml = Files.writeString(tmp.resolve("fed.yaml"), """
                model: %s
                tokenizer: %s
                data:
                  client: {path: %s, format: alpaca}
                  public: {path: %s, format: alpaca}
                  max_len: 160
                  cache: %s
                methods: [fedbiot]
                beta: 0.2
                adapter: 2
                rounds: %d
                local_steps: 1
                align_steps: 1
                prealign_rounds: 1
                batch_size: 2
                seeds: [11]
                eval_every: 1000
                eval: {max_rows: 2, gsm8k_exact_match: false}
                output: %s
                """.formatted(TestData.shared("models/stories260K.bin").toAbsolutePath(), TestData.shared("models/tok512.bin").toAbsolutePath(),
                tmp.resolve("client.json"), tmp.resolve("public.json"), tmp.resolve("cache"), rounds, tmp.resolve("out")));
        return Experiment.fromYaml(yaml, List.of());
    }

    @Test
    void aRunStoppedAfterRoundKKeepsRoundsUpToKAndSaysSo() throws Exception {
        Path out = tmp.resolve("out");
        Files.createDirectories(out.resolve("fedbiot-seed11"));
        // An old run's leftovers: its metrics, report and a temporary file a kill left behind.
        Files.writeString(out.resolve("rounds.csv"), "old\n");
        Files.writeString(out.resolve("report.md"), "# old report\n");
        Path orphan = Files.writeString(out.resolve(".rounds.arrow.abc123.tmp"), "half");
        Path nestedOrphan = Files.writeString(out.resolve("fedbiot-seed11/.adapter_model.safetensors.x1.tmp"), "half");
        Path userFile = Files.writeString(out.resolve("notes.txt"), "mine");
        int stopAfter = 1; // rounds count from 0: rounds 0 and 1 finish, then the listener fails
        RuntimeException stop = new RuntimeException("stop");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> experiment(4).run(new Experiment.Listener() {
            @Override
            public void round(RoundRecord r) {
                if (r.round() == stopAfter) throw stop;
            }
        }));
        assertSame(stop, thrown);

        List<RoundRecord> csv = RoundCsv.read(out.resolve("rounds.csv"));
        assertEquals(List.of(0, 1), csv.stream().map(RoundRecord::round).toList());
        assertEquals(List.of(0, 1), RoundArrow.read(out.resolve("rounds.arrow")).stream().map(RoundRecord::round).toList());
        RunStatus st = RunStatus.read(out);
        assertEquals(RunStatus.FAILED, st.state());
        assertEquals(stopAfter, st.lastRound());
        assertTrue(Files.readString(out.resolve("report.md")).contains("failed after round 1 of FedBiOT"),
                Files.readString(out.resolve("report.md")));
        assertFalse(Files.exists(orphan) || Files.exists(nestedOrphan), "orphan temporary files are removed at the start");
        assertTrue(Files.exists(userFile), "files a run does not write stay");
        try (var s = Files.list(out)) {
            Path aside = s.filter(p -> p.getFileName().toString().startsWith("previous-")).findFirst().orElseThrow();
            assertEquals("old\n", Files.readString(aside.resolve("rounds.csv")));
            assertEquals("# old report\n", Files.readString(aside.resolve("report.md")));
            assertTrue(Files.isDirectory(aside.resolve("fedbiot-seed11")));
        }
    }

    @Test
    void aFolderLeftRunningIsReportedInterrupted() throws Exception {
        // What a kill -9 leaves: "running" from a process that is gone (pid -1 is never alive).
        Path dir = Files.createDirectories(tmp.resolve("killed"));
        new RunStatus(RunStatus.RUNNING, "FedLoRA", 3, -1).write(dir);
        assertFalse(RunStatus.read(dir).liveElsewhere());
        assertEquals("interrupted after round 3 of FedLoRA", RunStatus.read(dir).unfinishedNote());
        io.fedbiot.report.MarkdownReport.write(dir, List.of(), java.util.Map.of());
        assertTrue(Files.readString(dir.resolve("report.md")).contains("interrupted after round 3 of FedLoRA"));
        new RunStatus(RunStatus.FINISHED, "FedLoRA", 3, -1).write(dir);
        io.fedbiot.report.MarkdownReport.write(dir, List.of(), java.util.Map.of());
        assertFalse(Files.readString(dir.resolve("report.md")).contains("interrupted"));
    }
}
