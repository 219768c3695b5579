package io.fedbiot.report;

import java.util.Objects;

/**
 * One client's part of one round of one run (method, seed).
 *
 * @param client    the client's name: its index in-process, its token name on the Flight server
 * @param examples  training examples it processed this round
 * @param tokens    training tokens it processed
 * @param trainLoss its mean training loss
 * @param nanSkipped optimizer steps it skipped for a non-finite loss
 * @param bytesDown bytes of this round's payload it received (tensor values)
 * @param bytesUp   bytes of the update it sent back
 */
public record ClientRecord(String method, long seed, int round, String client, long examples, long tokens, double trainLoss,
                           int nanSkipped, long bytesDown, long bytesUp) {
    public ClientRecord {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(client, "client");
    }
}
