package io.fedbiot.flight;

import java.time.Duration;

/**
 * A faulty client for the tests: authenticates, fetches the model and its first round's work,
 * says so, and then never uploads (the test SIGKILLs it there). Args: HOST:PORT TOKEN.
 */
public final class StallingClient {
    public static void main(String[] args) throws Exception {
        try (FederationChannel ch = new FederationChannel(Endpoint.parse(args[0]), args[1], null)) {
            ch.fetchPackage();
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < end) {
                Wire.Work w = Wire.parse(ch.fetchWork(null).header(), Wire.Work.class, "work");
                if ("round".equals(w.kind())) {
                    System.out.println("stalling in round " + w.round());
                    System.out.flush();
                    Thread.sleep(Duration.ofSeconds(120));
                }
            }
        }
    }
}
