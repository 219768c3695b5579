package io.fedbiot.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.fedbiot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.*;

/** docs/NAMES.md names options that exist, and the old names of renamed options are refused. */
class NamesDocTest {
    @Test
    void everyOptionInNamesMdExistsOnItsCommand() throws Exception {
        String doc = Files.readString(Path.of("").toAbsolutePath().getParent().resolve("docs/NAMES.md"));
        CommandLine cli = new CommandLine(new Main());
        Matcher m = Pattern.compile("`([a-z-]+) (--[a-z-]+)").matcher(doc);
        List<String> checked = new ArrayList<>();
        while (m.find()) {
            CommandLine sub = cli.getSubcommands().get(m.group(1));
            assertNotNull(sub, "docs/NAMES.md names a command that does not exist: " + m.group(1));
            assertNotNull(sub.getCommandSpec().findOption(m.group(2)), m.group(1) + " has no option " + m.group(2));
            checked.add(m.group(0));
        }
        assertTrue(checked.size() >= 15, "the table should name the commands' options: " + checked);
    }

    @Test
    void theOldNamesAreUsageErrors() {
        String[][] old = {
                {"inspect", "--split", "fedbiot", "--layers", "32", "--drop", "0.2"},
                {"study-dropout", "--model", "m", "--data", "d", "--betas", "0.2"},
                {"study-dropout", "--model", "m", "--data", "d", "--seq-len", "64"},
                {"pretrain", "--data", "d", "--out", "o", "--seq", "64"},
                {"pretrain", "--data", "d", "--out", "o", "--batch", "4"},
        };
        for (String[] args : old) {
            CliRun.Result r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().contains(args[args.length - 2]), r.err());
        }
    }
}
