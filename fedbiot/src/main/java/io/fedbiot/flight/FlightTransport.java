package io.fedbiot.flight;

import io.fedbiot.data.BadRowPolicy;
import io.fedbiot.data.DataFormat;
import io.fedbiot.engine.DType;
import io.fedbiot.engine.Tensor;
import io.fedbiot.method.ClientPackage;
import io.fedbiot.method.ClientUpdate;
import io.fedbiot.method.RoundPayload;
import io.fedbiot.method.RunPlan;
import io.fedbiot.method.Transport;
import io.fedbiot.secagg.ClientMessage;
import io.fedbiot.secagg.SecAggException;
import io.fedbiot.secagg.SecAggParams;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * The server side of {@link Transport} over Arrow Flight. Clients pull: they fetch the package,
 * then long-poll for work; a round hands each selected client its payload and waits until all
 * have uploaded or the deadline passes, and averages only what came back (a client that fails,
 * disconnects or is late is left out; it can ask again and gets the current state). The
 * connected clients are those heard from within {@link ServerOptions#live()}.
 */
public final class FlightTransport implements Transport {
    /** The older constructor's argument, kept only for benchmarks/ (FlightRoundOverhead); new code passes the plan's data and seed. */
    public record DataSettings(int batchSize, int maxLen, DataFormat format, BadRowPolicy badRows, long seed) {}

    private static final class Slot {
        long lastSeen = Long.MIN_VALUE;
        int polling;
        RoundPayload open;
        ClientUpdate update;
        long cursor;
        boolean toldDone;
    }

    private final TokenTable tokens;
    private final ServerOptions opts;
    private final RunPlan.DataSettings data;
    private final long seed;
    private final Consumer<String> log;
    private final BufferAllocator alloc = new RootAllocator();
    private final FlightServer server;
    private final Object lock = new Object();
    private final Slot[] slots;
    private volatile ClientPackage pkg;
    private volatile List<WireTensor> pkgTensors;
    private LoraCodec adapterCodec, emulatorCodec;
    private List<WireTensor> roundTensors = List.of();
    private boolean done, closed;
    private long maxUploadBytes;
    private FlightSecAggRound sec; // the latest secure round (kept after it ends, for the clients' last replies)
    private Consumer<ClientMessage> secObserver;

    public FlightTransport(TokenTable tokens, ServerOptions opts, DataSettings d, Consumer<String> log) throws IOException {
        this(tokens, opts, new RunPlan.DataSettings(d.batchSize(), d.maxLen(), d.format(), d.badRows()), d.seed(), log);
    }

    /** {@code data} and the run's {@code seed}: what each client's package header tells it to build its data stream from. */
    public FlightTransport(TokenTable tokens, ServerOptions opts, RunPlan.DataSettings data, long seed, Consumer<String> log) throws IOException {
        this.tokens = tokens;
        this.opts = opts;
        this.data = data;
        this.seed = seed;
        this.log = log;
        this.slots = new Slot[tokens.size()];
        for (int i = 0; i < slots.length; i++) slots[i] = new Slot();
        Location at = opts.tls() ? Location.forGrpcTls(opts.host(), opts.port()) : Location.forGrpcInsecure(opts.host(), opts.port());
        var b = FlightServer.builder(alloc, at, new FederationProducer(this, alloc, log))
                .headerAuthenticator(new TokenAuthenticator(tokens, log));
        if (opts.tls()) // read now: the builder reads its streams only in build()
            b.useTls(new ByteArrayInputStream(Files.readAllBytes(opts.tlsCert())), new ByteArrayInputStream(Files.readAllBytes(opts.tlsKey())));
        b.maxInboundMessageSize(64 << 20);
        this.server = b.build();
        server.start();
        log.accept("listening on " + opts.host() + ":" + server.getPort() + (opts.tls() ? " (TLS)" : " (plaintext)")
                + " for " + tokens.size() + " clients");
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public int clients() {
        return tokens.size();
    }

    @Override
    public void deliver(int client, ClientPackage p) {
        if (pkg != null) return; // one package for every client
        var cfg = p.weights().config();
        adapterCodec = new LoraCodec(Wire.ADAPTER, cfg, p.lora(), p.adapterLayers());
        emulatorCodec = p.emulatorLayers().length > 0 ? new LoraCodec(Wire.EMULATOR, cfg, p.lora(), p.emulatorLayers()) : null;
        long adapterBytes = 4L * adapterCodec.flatLength();
        maxUploadBytes = opts.maxUploadMiB() > 0 ? (long) (opts.maxUploadMiB() * (1 << 20)) : 4 * adapterBytes + (1 << 20);
        List<WireTensor> ts = new ArrayList<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        try (Arena conv = Arena.ofConfined()) {
            for (var e : p.tensors().entrySet()) {
                if (seen.put(e.getValue(), Boolean.TRUE) != null) continue;
                Tensor t = e.getValue().dtype() == DType.F32 ? e.getValue() : e.getValue().toF32(conv);
                ts.add(new WireTensor(e.getKey(), t.shape(), t.toFloatArray()));
            }
        }
        pkgTensors = List.copyOf(ts);
        pkg = p;
    }

    Wire.Package packageHeader(int client) {
        ClientPackage p = pkg;
        if (p == null) return null;
        return Wire.Package.of(client, tokens.name(client), p, data, RunPlan.clientSeed(seed, client));
    }

    List<WireTensor> packageTensors() {
        return pkgTensors;
    }

    Map<String, int[]> uploadShapes() {
        return adapterCodec.shapes();
    }

    long maxUploadBytes() {
        return maxUploadBytes;
    }

    int clientIndex(String name) {
        return tokens.indexOf(name);
    }

    /** Any authenticated call counts as the client being connected. */
    void touch(int client) {
        synchronized (lock) {
            slots[client].lastSeen = System.nanoTime();
            lock.notifyAll();
        }
    }

    /** Work for one client's poll: its open round, else idle after {@code poll}, or done. */
    Wire.Work awaitWork(int client, List<List<WireTensor>> tensorsOut) throws InterruptedException {
        Slot s = slots[client];
        synchronized (lock) {
            s.polling++;
            s.lastSeen = System.nanoTime();
            try {
                long end = System.nanoTime() + opts.poll().toNanos();
                while (true) {
                    if (done) {
                        s.toldDone = true;
                        return Wire.Work.done();
                    }
                    boolean secure = s.open != null && sec != null && sec.p.round() == s.open.round();
                    // A secure round is offered until the client advertised its keys, and only while keys are collected.
                    if (s.open != null && s.update == null && (!secure || (sec.stage == 0 && !sec.sent[0].contains(client)))) {
                        tensorsOut.add(roundTensors);
                        RoundPayload p = s.open;
                        Wire.Secure w = secure ? new Wire.Secure(sec.p.clients(), sec.p.threshold(), sec.p.fractionBits(), sec.session) : null;
                        return new Wire.Work("round", p.round(), p.seed(), p.settings(), s.cursor, w);
                    }
                    long left = end - System.nanoTime();
                    if (left <= 0) return Wire.Work.idle();
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            } finally {
                s.polling--;
                s.lastSeen = System.nanoTime();
            }
        }
    }

    /** An upload already checked for names, shapes and size: the remaining checks, then it counts for the round. */
    void submit(int client, Wire.Upload h, List<WireTensor> tensors) {
        Map<String, int[]> want = adapterCodec.shapes();
        for (String n : want.keySet())
            if (tensors.stream().noneMatch(t -> t.name().equals(n))) throw new IllegalArgumentException("tensor '" + n + "' missing");
        for (WireTensor t : tensors)
            for (int i = 0; i < t.values().length; i++)
                if (!Float.isFinite(t.values()[i]))
                    throw new IllegalArgumentException("tensor '" + t.name() + "' has a non-finite value (" + t.values()[i] + ") at " + i);
        if (h.samples() <= 0) throw new IllegalArgumentException("sample count must be positive, got " + h.samples());
        if (h.nanSkipped() < 0 || h.tokens() < 0 || h.seqLen() < 0) throw new IllegalArgumentException("negative counters in the header");
        float[] flat = adapterCodec.join(tensors);
        Slot s = slots[client];
        synchronized (lock) {
            s.lastSeen = System.nanoTime();
            if (s.open == null) throw new IllegalArgumentException("round " + h.round() + " is not open for this client");
            if (h.round() != s.open.round())
                throw new IllegalArgumentException("round " + h.round() + " is not the current one (" + s.open.round() + ")");
            if (s.update != null) throw new IllegalArgumentException("an update for round " + h.round() + " was already accepted");
            if (sec != null && sec.p.round() == h.round() && sec.stage < 4)
                throw new IllegalArgumentException("round " + h.round() + " uses secure aggregation: a plain update is refused, send masked inputs");
            s.update = new ClientUpdate(client, h.round(), flat, h.samples(), h.nanSkipped(), h.meanLoss(), h.tokens(), h.seqLen());
            s.cursor += s.open.settings().steps();
            lock.notifyAll();
        }
    }

    @Override
    public int[] available() {
        synchronized (lock) {
            long end = System.nanoTime() + opts.quorumWait().toNanos();
            int[] c;
            while ((c = connected()).length < opts.minClients()) {
                long left = end - System.nanoTime();
                if (left <= 0)
                    throw new IllegalStateException("quorum of " + opts.minClients() + " clients not reached within " + opts.quorumWait()
                            + "; connected: " + names(c));
                try {
                    lock.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for the quorum");
                }
            }
            return c;
        }
    }

    private int[] connected() {
        long now = System.nanoTime();
        return IntStream.range(0, slots.length)
                .filter(i -> slots[i].polling > 0 || (slots[i].lastSeen != Long.MIN_VALUE && now - slots[i].lastSeen <= opts.live().toNanos()))
                .toArray();
    }

    private String names(int[] c) {
        return Arrays.toString(Arrays.stream(c).mapToObj(tokens::name).toArray());
    }

    @Override
    public ClientUpdate round(int client, RoundPayload payload) {
        List<ClientUpdate> u = roundAll(new int[]{client}, List.of(payload));
        if (u.isEmpty()) throw new IllegalStateException("client " + tokens.name(client) + " sent no update for round " + payload.round());
        return u.get(0);
    }

    @Override
    public List<ClientUpdate> roundAll(int[] selected, List<RoundPayload> payloads) {
        if (selected.length == 0) return List.of();
        RoundPayload first = payloads.get(0);
        List<WireTensor> ts = new ArrayList<>(adapterCodec.split(first.adapter()));
        if (first.emulator() != null) ts.addAll(emulatorCodec.split(first.emulator()));
        for (RoundPayload p : payloads)
            if (p.adapter() != first.adapter() || p.emulator() != first.emulator())
                throw new IllegalArgumentException("every client of a round gets the same adapter and emulator");
        List<ClientUpdate> out = new ArrayList<>();
        synchronized (lock) {
            roundTensors = List.copyOf(ts);
            for (int i = 0; i < selected.length; i++) {
                slots[selected[i]].open = payloads.get(i);
                slots[selected[i]].update = null;
            }
            lock.notifyAll();
            log.accept("round " + first.round() + ": open for " + names(selected));
            long end = System.nanoTime() + opts.deadline().toNanos();
            try {
                while (Arrays.stream(selected).anyMatch(k -> slots[k].update == null)) {
                    long left = end - System.nanoTime();
                    if (left <= 0) break;
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<String> late = new ArrayList<>();
            for (int k : selected) {
                if (slots[k].update != null) out.add(slots[k].update);
                else late.add(tokens.name(k));
                slots[k].open = null;
                slots[k].update = null;
            }
            roundTensors = List.of();
            log.accept("round " + first.round() + ": " + out.size() + " of " + selected.length + " updates"
                    + (late.isEmpty() ? "" : ", left out (failed, disconnected or late): " + late));
        }
        return out;
    }

    /** Tests only: sees every secure-aggregation message the server accepted (what the server learns). */
    void observeSecAgg(Consumer<ClientMessage> o) {
        synchronized (lock) {
            secObserver = o;
        }
    }

    /**
     * A round through secure aggregation: the selected clients train, then run the protocol's four
     * stages through {@link #secSend} and {@link #secAwait}; the server learns only the survivors'
     * weighted sum. Each stage closes when every expected client has sent, or is no longer
     * connected (after stage 0), or the deadline passes. Below the threshold the round fails: it is
     * logged and skipped (no update, the adapter stays), and the run goes on with the next round.
     */
    @Override
    public SecureResult roundSecure(int[] selected, List<RoundPayload> payloads, int threshold, int fractionBits) {
        if (selected.length == 0) return new SecureResult(null, List.of(), 0, 0, "no client selected");
        RoundPayload first = payloads.get(0);
        int round = first.round();
        SecAggParams p;
        try {
            p = new SecAggParams(round, selected, SecAggParams.threshold(threshold, selected.length), fractionBits);
        } catch (IllegalArgumentException e) {
            log.accept("round " + round + ": secure aggregation cannot run (" + e.getMessage() + "); round skipped, the adapter stays as it was");
            return new SecureResult(null, List.of(), 0, 0, e.getMessage());
        }
        List<WireTensor> ts = new ArrayList<>(adapterCodec.split(first.adapter()));
        if (first.emulator() != null) ts.addAll(emulatorCodec.split(first.emulator()));
        synchronized (lock) {
            FlightSecAggRound r = new FlightSecAggRound(p, adapterCodec.flatLength() + 1);
            sec = r;
            roundTensors = List.copyOf(ts);
            for (int i = 0; i < selected.length; i++) {
                slots[selected[i]].open = payloads.get(i);
                slots[selected[i]].update = null;
            }
            lock.notifyAll();
            log.accept("round " + round + ": open for " + names(selected) + ", secure aggregation with threshold " + p.threshold());
            try {
                for (int st = 0; st < 4; st++) {
                    awaitStage(r, st == 0);
                    Set<Integer> missing = new TreeSet<>(r.expected());
                    missing.removeAll(r.sent[st]);
                    String closing = "round " + round + ": secure aggregation stage " + FlightSecAggRound.SENDS[st] + " closed with "
                            + r.sent[st].size() + " of " + r.expected().size();
                    r.close();
                    lock.notifyAll();
                    log.accept(closing + (missing.isEmpty() ? "" : ", without "
                            + names(missing.stream().mapToInt(Integer::intValue).toArray()) + " (failed, disconnected or late)"));
                }
                float[] mean = p.fixedPoint().decodeMean(r.sum);
                List<ClientUpdate> in = new ArrayList<>();
                for (int k : r.server.survivors()) {
                    Wire.Upload u = r.counters.get(k);
                    in.add(new ClientUpdate(k, round, null, u.samples(), u.nanSkipped(), u.meanLoss(), u.tokens(), u.seqLen()));
                    slots[k].cursor += slots[k].open.settings().steps();
                }
                log.accept("round " + round + ": secure sum of " + in.size() + " of " + selected.length + " masked inputs, "
                        + r.server.rejections().size() + " messages refused");
                return new SecureResult(mean, in, r.bytesUp, r.bytesDown, null);
            } catch (SecAggException e) {
                r.failure = e.getMessage();
                lock.notifyAll();
                log.accept("round " + round + ": secure aggregation failed: " + e.getMessage() + "; round skipped, the adapter stays as it was");
                return new SecureResult(null, List.of(), r.bytesUp, r.bytesDown, e.getMessage());
            } finally {
                for (int k : selected) {
                    slots[k].open = null;
                    slots[k].update = null;
                }
                roundTensors = List.of();
            }
        }
    }

    /** Waits (holding the lock) until the open stage has every expected message, or no one left to wait for, or the deadline. */
    private void awaitStage(FlightSecAggRound r, boolean training) {
        long end = System.nanoTime() + opts.deadline().toNanos();
        try {
            while (true) {
                long now = System.nanoTime();
                boolean waiting = false;
                for (int k : r.expected())
                    if (!r.sent[r.stage].contains(k) && (training || slots[k].polling > 0 || now - slots[k].lastSeen <= opts.live().toNanos()))
                        waiting = true;
                long left = end - now;
                if (!waiting || left <= 0) return;
                lock.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One client's secure-aggregation message; a malformed, replayed or misplaced one is an IllegalArgumentException with the reason. */
    void secSend(int client, byte[] body) {
        SecAggWire.Send s = SecAggWire.parse(body, SecAggWire.Send.class);
        synchronized (lock) {
            slots[client].lastSeen = System.nanoTime();
            if (sec == null || sec.stage >= 4) throw new IllegalArgumentException("no secure-aggregation round is running");
            sec.receive(client, s, body.length, secObserver);
            lock.notifyAll();
        }
    }

    /** One client's long poll for its next secure-aggregation reply (kind wait after the poll period). */
    byte[] secAwait(int client, byte[] body) throws InterruptedException {
        SecAggWire.Await a = SecAggWire.parse(body, SecAggWire.Await.class);
        Slot s = slots[client];
        synchronized (lock) {
            s.polling++;
            try {
                long end = System.nanoTime() + opts.poll().toNanos();
                while (true) {
                    SecAggWire.Reply r = sec == null ? SecAggWire.Reply.failed(a.round(), "no secure-aggregation round is running") : sec.reply(client, a);
                    if (r != null) {
                        byte[] out = Wire.bytes(r);
                        if (sec != null) sec.bytesDown += out.length;
                        return out;
                    }
                    long left = end - System.nanoTime();
                    if (left <= 0) return Wire.bytes(SecAggWire.Reply.of("wait", a.round()));
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            } finally {
                s.polling--;
                s.lastSeen = System.nanoTime();
            }
        }
    }

    /** Batches each client's stream has handed out (accepted rounds × steps): part of the durable state. */
    public long[] cursors() {
        synchronized (lock) {
            return Arrays.stream(slots).mapToLong(s -> s.cursor).toArray();
        }
    }

    public void restoreCursors(long[] c) {
        if (c.length != slots.length) throw new IllegalArgumentException(c.length + " client cursors for " + slots.length + " clients");
        synchronized (lock) {
            for (int i = 0; i < c.length; i++) slots[i].cursor = c[i];
        }
    }

    /** Tells clients the run is over and gives the connected ones up to {@code grace} to hear it. */
    public void finish(java.time.Duration grace) {
        int[] waiting;
        synchronized (lock) {
            waiting = connected();
            done = true;
            lock.notifyAll();
        }
        long end = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < end) {
            synchronized (lock) {
                if (Arrays.stream(waiting).allMatch(k -> slots[k].toldDone)) break;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    boolean finished() {
        synchronized (lock) {
            return done;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return; // FederatedRun closes its transport, and so may its owner
            closed = true;
            done = true;
            lock.notifyAll();
        }
        try {
            server.shutdown();
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) log.accept("Flight server did not stop within 5 s");
            server.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (adapterCodec != null) adapterCodec.close();
        if (emulatorCodec != null) emulatorCodec.close();
        try {
            alloc.close();
        } catch (IllegalStateException e) {
            log.accept("Arrow allocator closed with buffers outstanding: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
