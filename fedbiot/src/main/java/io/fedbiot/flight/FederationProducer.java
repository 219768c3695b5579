package io.fedbiot.flight;

import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The Flight handlers of {@link FlightTransport}: {@code doGet("package")}, {@code doGet("work")}
 * and {@code doPut("update")} (answered with one empty PutResult, or INVALID_ARGUMENT and the reason),
 * and the secure-aggregation actions of {@link SecAggWire}. Calls reach here only after {@link TokenAuthenticator} accepted
 * the token; the peer identity picks the client.
 */
final class FederationProducer extends NoOpFlightProducer {
    static final String PACKAGE = "package", WORK = "work", UPDATE = "update";

    private final FlightTransport t;
    private final BufferAllocator alloc;
    private final Consumer<String> log;

    FederationProducer(FlightTransport t, BufferAllocator alloc, Consumer<String> log) {
        this.t = t;
        this.alloc = alloc;
        this.log = log;
    }

    private int client(CallContext ctx) {
        int k = t.clientIndex(ctx.peerIdentity());
        if (k < 0) throw CallStatus.UNAUTHENTICATED.withDescription("unknown client").toRuntimeException();
        t.touch(k);
        return k;
    }

    @Override
    public void getStream(CallContext ctx, Ticket ticket, ServerStreamListener listener) {
        try {
            int k = client(ctx);
            String what = new String(ticket.getBytes(), StandardCharsets.UTF_8);
            Object header;
            List<WireTensor> tensors;
            switch (what) {
                case PACKAGE -> {
                    header = t.packageHeader(k);
                    if (header == null) throw CallStatus.UNAVAILABLE.withDescription("the server is still loading").toRuntimeException();
                    tensors = t.packageTensors();
                    log.accept("client " + ctx.peerIdentity() + ": sending the compressed model (" + tensors.size() + " tensors)");
                }
                case WORK -> {
                    List<List<WireTensor>> ts = new ArrayList<>();
                    header = t.awaitWork(k, ts);
                    tensors = ts.isEmpty() ? List.of() : ts.get(0);
                }
                default -> throw CallStatus.INVALID_ARGUMENT.withDescription("unknown ticket '" + what + "'").toRuntimeException();
            }
            try (VectorSchemaRoot root = VectorSchemaRoot.create(TensorWriter.schema(header), alloc)) {
                listener.start(root);
                TensorWriter.write(listener, root, alloc, tensors);
                listener.completed();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            listener.error(CallStatus.CANCELLED.withDescription("server stopping").toRuntimeException());
        } catch (RuntimeException e) {
            listener.error(e instanceof org.apache.arrow.flight.FlightRuntimeException ? e
                    : CallStatus.INTERNAL.withDescription(e.getMessage()).toRuntimeException());
        }
    }

    @Override
    public Runnable acceptPut(CallContext ctx, FlightStream stream, StreamListener<PutResult> ack) {
        return () -> {
            int k;
            try {
                k = client(ctx);
            } catch (RuntimeException e) {
                ack.onError(e);
                return;
            }
            String who = ctx.peerIdentity();
            try {
                var d = stream.getDescriptor();
                if (d.isCommand() || d.getPath().size() != 1 || !UPDATE.equals(d.getPath().get(0)))
                    throw new IllegalArgumentException("uploads go to path '" + UPDATE + "'");
                TensorReader.Read r = TensorReader.read(stream, t.uploadShapes(), t.maxUploadBytes());
                Wire.Upload h = Wire.parse(r.header(), Wire.Upload.class, "upload");
                t.submit(k, h, r.tensors());
                log.accept("client " + who + ": update for round " + h.round() + " accepted (" + h.samples() + " samples)");
                ack.onNext(PutResult.empty());
                ack.onCompleted();
            } catch (IllegalArgumentException e) {
                log.accept("client " + who + ": upload refused: " + e.getMessage());
                ack.onError(CallStatus.INVALID_ARGUMENT.withDescription(e.getMessage()).toRuntimeException());
            } catch (RuntimeException e) {
                log.accept("client " + who + ": upload failed: " + e);
                ack.onError(CallStatus.INTERNAL.withDescription(String.valueOf(e.getMessage())).toRuntimeException());
            }
        };
    }
    @Override
    public void doAction(CallContext ctx, Action action, StreamListener<Result> listener) {
        int k;
        try {
            k = client(ctx);
        } catch (RuntimeException e) {
            listener.onError(e);
            return;
        }
        String who = ctx.peerIdentity();
        try {
            byte[] out = switch (action.getType()) {
                case SecAggWire.SEND -> {
                    t.secSend(k, action.getBody());
                    yield "ok".getBytes(StandardCharsets.UTF_8);
                }
                case SecAggWire.AWAIT -> t.secAwait(k, action.getBody());
                default -> throw new IllegalArgumentException("unknown action '" + action.getType() + "'");
            };
            listener.onNext(new Result(out));
            listener.onCompleted();
        } catch (IllegalArgumentException e) {
            log.accept("client " + who + ": secure aggregation message refused: " + e.getMessage());
            listener.onError(CallStatus.INVALID_ARGUMENT.withDescription(e.getMessage()).toRuntimeException());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            listener.onError(CallStatus.CANCELLED.withDescription("server stopping").toRuntimeException());
        } catch (RuntimeException e) {
            log.accept("client " + who + ": secure aggregation call failed: " + e);
            listener.onError(CallStatus.INTERNAL.withDescription(String.valueOf(e.getMessage())).toRuntimeException());
        }
    }
}
