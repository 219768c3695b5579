package io.fedbiot.method;

/**
 * The boundary between the server and its clients. Everything that crosses it is in these
 * records, so an implementation over the network (Arrow Flight) is a drop-in.
 */
public interface Transport extends AutoCloseable {
    int clients();

    /** Sends the compressed model to one client (once). */
    void deliver(int client, ClientPackage pkg);

    /** Runs one round on one client and returns its update. */
    ClientUpdate round(int client, RoundPayload payload);

    @Override
    void close();
}
