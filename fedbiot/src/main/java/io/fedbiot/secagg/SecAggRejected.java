package io.fedbiot.secagg;

/**
 * One message refused (wrong round, unknown or replaying sender, wrong size, bad key or share):
 * the server leaves its sender out of the stage and the round goes on without it.
 */
public final class SecAggRejected extends RuntimeException {
    private final int round, sender;
    private final String reason;

    public SecAggRejected(int round, int sender, String reason) {
        super("round " + round + ", client " + sender + ": " + reason);
        this.round = round;
        this.sender = sender;
        this.reason = reason;
    }

    public int round() { return round; }
    public int sender() { return sender; }
    public String reason() { return reason; }
}
