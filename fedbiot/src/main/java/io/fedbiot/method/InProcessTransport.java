package io.fedbiot.method;

import java.util.List;

/** Clients in the server's process: same records as over the network, no serialisation. */
public final class InProcessTransport implements Transport {
    private final List<FedClient> clients;

    public InProcessTransport(List<FedClient> clients) {
        this.clients = List.copyOf(clients);
    }

    @Override
    public int clients() {
        return clients.size();
    }

    @Override
    public void deliver(int client, ClientPackage pkg) {
        clients.get(client).receive(pkg);
    }

    @Override
    public ClientUpdate round(int client, RoundPayload payload) {
        // Arrays cross the boundary as copies, as they would over a wire.
        RoundPayload copy = new RoundPayload(payload.round(), payload.adapter().clone(),
                payload.emulator() == null ? null : payload.emulator().clone(), payload.settings(), payload.seed());
        return clients.get(client).round(copy);
    }

    @Override
    public void close() {
        clients.forEach(FedClient::close);
    }
}
