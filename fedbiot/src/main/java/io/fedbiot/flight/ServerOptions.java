package io.fedbiot.flight;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the Flight server listens and runs rounds.
 *
 * @param minClients   quorum: a round starts once this many clients are connected
 * @param quorumWait   how long a round waits for its quorum before the server gives up
 * @param deadline     a selected client's update must arrive within this after the round opens
 * @param poll         a client's work request is held this long before it is told to ask again
 * @param live         a client not heard from for this long counts as disconnected
 * @param tlsCert      PEM certificate chain; with tlsKey (PEM PKCS#8) the server speaks TLS
 * @param maxUploadMiB tensor bytes one upload may carry; 0: four times the adapter's size plus 1 MiB
 */
public record ServerOptions(String host, int port, int minClients, Duration quorumWait, Duration deadline, Duration poll,
                            Duration live, Path tlsCert, Path tlsKey, double maxUploadMiB) {
    public ServerOptions {
        if (minClients < 1) throw new IllegalArgumentException("min clients must be >= 1, got " + minClients);
        if ((tlsCert == null) != (tlsKey == null)) throw new IllegalArgumentException("TLS needs both a certificate and a key");
        if (maxUploadMiB < 0) throw new IllegalArgumentException("max upload must be >= 0 MiB");
    }

    public static ServerOptions loopback(int minClients, Duration deadline) {
        return new ServerOptions("127.0.0.1", 0, minClients, Duration.ofSeconds(120), deadline, Duration.ofMillis(500),
                Duration.ofSeconds(4), null, null, 0);
    }

    public ServerOptions withTls(Path cert, Path key) {
        return new ServerOptions(host, port, minClients, quorumWait, deadline, poll, live, cert, key, maxUploadMiB);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, minClients, quorumWait, deadline, poll, live, tlsCert, tlsKey, maxUploadMiB);
    }

    public boolean tls() {
        return tlsCert != null;
    }
}
