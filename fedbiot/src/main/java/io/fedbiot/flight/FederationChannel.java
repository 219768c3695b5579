package io.fedbiot.flight;

import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A client's connection: the calls of the protocol, each carrying its bearer token. */
public final class FederationChannel implements AutoCloseable {
    /** Tensor bytes a client accepts in one stream (the package of a 7B model's compressed part fits). */
    static final long MAX_DOWNLOAD = 64L << 30;

    private final BufferAllocator alloc = new RootAllocator();
    private final Location at;
    private final byte[] trustedCa;
    private final CallOption auth;
    private FlightClient client;

    /** {@code trustedCa}: PEM certificate(s) to trust; given, the connection uses TLS. */
    public FederationChannel(Endpoint server, String token, Path trustedCa) throws IOException {
        at = trustedCa != null ? Location.forGrpcTls(server.host(), server.port()) : Location.forGrpcInsecure(server.host(), server.port());
        this.trustedCa = trustedCa == null ? null : Files.readAllBytes(trustedCa);
        client = connect();
        auth = new CredentialCallOption(new BearerCredentialWriter(token));
    }

    private FlightClient connect() {
        var b = FlightClient.builder(alloc, at).maxInboundMessageSize(64 << 20);
        if (trustedCa != null) b.useTls().trustedCertificates(new ByteArrayInputStream(trustedCa));
        return b.build();
    }

    /**
     * A fresh connection: after the server went away, gRPC waits out a growing back-off before it
     * dials again; a restarted server is found at once this way.
     */
    public void reconnect() throws InterruptedException {
        client.close();
        client = connect();
    }

    public TensorReader.Read fetchPackage() {
        return get(FederationProducer.PACKAGE, null);
    }

    /** One long poll; {@code expected}: the round's tensor shapes (null before the package is known). */
    public TensorReader.Read fetchWork(Map<String, int[]> expected) {
        return get(FederationProducer.WORK, expected);
    }

    private TensorReader.Read get(String ticket, Map<String, int[]> expected) {
        try (FlightStream s = client.getStream(new Ticket(ticket.getBytes(StandardCharsets.UTF_8)), auth)) {
            return TensorReader.read(s, expected, MAX_DOWNLOAD);
        } catch (org.apache.arrow.flight.FlightRuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("reading '" + ticket + "': " + e.getMessage(), e);
        }
    }

    /** Sends an upload; returns when the server accepted it, else throws its FlightRuntimeException. */
    public void upload(Object header, List<WireTensor> tensors) {
        try (VectorSchemaRoot root = VectorSchemaRoot.create(TensorWriter.schema(header), alloc);
             SyncPutListener sync = new SyncPutListener()) {
            RefusalWatch ack = new RefusalWatch(sync);
            FlightClient.ClientStreamListener out = client.startPut(FlightDescriptor.path(FederationProducer.UPDATE), root, ack, auth);
            // A refusal ends the call mid-stream: stop writing with the server's reason at once.
            TensorWriter.write(out, root, alloc, tensors, ack::error);
            out.completed();
            out.getResult();
        }
    }

    /** One action call (the secure-aggregation messages): its single answer's body, or the server's FlightRuntimeException. */
    public byte[] action(String type, byte[] body) {
        java.util.Iterator<org.apache.arrow.flight.Result> it = client.doAction(new org.apache.arrow.flight.Action(type, body), auth);
        if (!it.hasNext()) throw new IllegalStateException("action '" + type + "': no answer");
        byte[] out = it.next().getBody();
        while (it.hasNext()) it.next();
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        client.close();
        alloc.close();
    }

    /** Passes everything to a SyncPutListener and remembers the error that ended the call. */
    private static final class RefusalWatch implements FlightClient.PutListener {
        private final SyncPutListener sync;
        private volatile Throwable error;

        RefusalWatch(SyncPutListener sync) {
            this.sync = sync;
        }

        RuntimeException error() {
            Throwable e = error;
            if (e == null) return null;
            return e instanceof RuntimeException r ? r : org.apache.arrow.flight.CallStatus.UNKNOWN.withCause(e)
                    .withDescription(String.valueOf(e.getMessage())).toRuntimeException();
        }

        @Override public void getResult() { sync.getResult(); }
        @Override public void onNext(org.apache.arrow.flight.PutResult val) { sync.onNext(val); }
        @Override public void onError(Throwable t) { error = t; sync.onError(t); }
        @Override public void onCompleted() { sync.onCompleted(); }
        @Override public boolean isCancelled() { return sync.isCancelled(); }
    }
}
