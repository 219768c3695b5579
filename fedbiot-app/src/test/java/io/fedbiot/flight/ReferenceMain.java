package io.fedbiot.flight;

import io.fedbiot.method.FederatedRun;

import java.nio.file.Path;
import java.util.List;

/**
 * The in-process reference run in a JVM of its own, with the same flags as the server and
 * client JVMs: writes its final adapter and emulator as a {@link ServerState} into {@code DIR}.
 * Args: DIR ROUNDS.
 */
public final class ReferenceMain {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        FederatedRun.Snapshot s = new FlightFixture(dir, Integer.parseInt(args[1])).inProcess();
        ServerState.of("in-process", Integer.parseInt(args[1]), s.adapter(), s.emulator(), s.samplerDraws(), 0, new long[0], List.of())
                .save(dir.resolve("reference"));
        System.out.println("reference written");
    }
}
