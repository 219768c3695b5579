package io.fedbiot.flight;

import io.fedbiot.data.DataFormat;
import io.fedbiot.data.DatasetCache;
import io.fedbiot.data.TokenizedDataset;
import io.fedbiot.engine.tokenizer.Tokenizers;
import io.fedbiot.kernels.Backends;
import io.fedbiot.method.ClientPackage;
import io.fedbiot.method.ClientUpdate;
import io.fedbiot.method.FedClient;
import io.fedbiot.method.RoundPayload;
import io.fedbiot.method.RunPlan;
import io.fedbiot.secagg.SecAggException;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * One client process: fetches the compressed model once, then polls for rounds, trains with
 * {@link FedClient} (the same code as in-process) and uploads its adapter LoRA and sample count,
 * or, in a secure-aggregation round, only its masked form ({@link SecAggSession}).
 * A lost server is retried for up to {@code reconnect}; a refused upload is logged and the
 * client asks for work again.
 */
public final class FederationClient {
    public record Options(Endpoint server, String token, Path trustedCa, Path data, DataFormat format, Path tokenizer,
                          Path cache, Duration reconnect) {}

    /** Rounds this client trained and uploads the server accepted. */
    public record Summary(int trained, int accepted) {}

    private final Options o;
    private final Consumer<String> log;

    public FederationClient(Options o, Consumer<String> log) {
        this.o = o;
        this.log = log;
    }

    public Summary run() throws IOException, InterruptedException {
        try (FederationChannel ch = new FederationChannel(o.server(), o.token(), o.trustedCa()); Arena arena = Arena.ofShared()) {
            TensorReader.Read pr = retry(ch, "fetching the model", ch::fetchPackage);
            Wire.Package h = Wire.parse(pr.header(), Wire.Package.class, "package");
            ClientPackage pkg = PackageCodec.build(h, pr.tensors(), Backends.java(), arena);
            log.accept("client " + h.name() + " (#" + h.client() + "): model of " + pr.tensors().size() + " tensors, "
                    + pr.bytes() / 1024 + " KiB, layers " + java.util.Arrays.toString(h.layers()));
            RunPlan.DataSettings setup = h.dataSettings(); // from the server's run plan
            DataFormat fmt = o.format() != null ? o.format() : setup.format();
            var tok = Tokenizers.load(o.tokenizer());
            TokenizedDataset ds = DatasetCache.load(o.data(), fmt, tok, setup.maxLen(), setup.badRows(), o.cache(), log).dataset();
            SeekableBatches batches = new SeekableBatches(ds, IntStream.range(0, ds.size()).toArray(), setup.batchSize(), h.dataSeed());
            LoraCodec ac = new LoraCodec(Wire.ADAPTER, h.config(), h.lora(), h.adapterLayers());
            LoraCodec ec = h.emulatorLayers().length > 0 ? new LoraCodec(Wire.EMULATOR, h.config(), h.lora(), h.emulatorLayers()) : null;
            Map<String, int[]> roundShapes = new LinkedHashMap<>(ac.shapes());
            if (ec != null) roundShapes.putAll(ec.shapes());
            int trained = 0, accepted = 0;
            try (FedClient fc = new FedClient(h.client(), batches)) {
                fc.receive(pkg);
                while (true) {
                    TensorReader.Read wr = retry(ch, "asking for work", () -> ch.fetchWork(roundShapes));
                    Wire.Work w = Wire.parse(wr.header(), Wire.Work.class, "work");
                    if ("done".equals(w.kind())) break;
                    if (!"round".equals(w.kind())) continue;
                    List<WireTensor> a = new ArrayList<>(), e = new ArrayList<>();
                    for (WireTensor t : wr.tensors()) (t.name().startsWith(Wire.ADAPTER) ? a : e).add(t);
                    RoundPayload p = new RoundPayload(w.round(), ac.join(a), ec == null || e.isEmpty() ? null : ec.join(e),
                            w.settings(), w.seed());
                    batches.seek(w.cursor());
                    log.accept("round " + w.round() + ": training " + w.settings().steps() + " steps from batch " + w.cursor());
                    ClientUpdate u = fc.round(p);
                    trained++;
                    Wire.Upload up = new Wire.Upload(u.round(), u.samples(), u.nanSkipped(), u.meanLoss(), u.tokens(), u.seqLen());
                    if (w.secure() != null) {
                        if (secureRound(ch, h.client(), w, u, up)) accepted++;
                        continue;
                    }
                    List<WireTensor> out = ac.split(u.adapter());
                    try {
                        retry(ch, "uploading", () -> {
                            ch.upload(up, out);
                            return null;
                        });
                        accepted++;
                        log.accept("round " + w.round() + ": update accepted (loss " + String.format("%.4f", u.meanLoss()) + ")");
                    } catch (FlightRuntimeException ex) {
                        if (ex.status().code() != FlightStatusCode.INVALID_ARGUMENT) throw ex;
                        log.accept("round " + w.round() + ": update refused: " + ex.status().description());
                    }
                }
            } finally {
                ac.close();
                if (ec != null) ec.close();
            }
            log.accept("run over: trained " + trained + " rounds, " + accepted + " updates accepted");
            return new Summary(trained, accepted);
        }
    }

    /**
     * The round's update into the secure sum ({@link SecAggSession}): only its masked form leaves
     * this process. A refused message or a failed round is logged; the client then asks for work again.
     */
    private boolean secureRound(FederationChannel ch, int id, Wire.Work w, ClientUpdate u, Wire.Upload up) {
        try {
            // No retries: keys must not outlive the server's attempt at the round (a restarted server offers it anew).
            new SecAggSession(ch::action, id, w.round(), w.secure(), new SecureRandom()).run(u.adapter(), up);
            log.accept("round " + w.round() + ": masked update in the secure sum (loss " + String.format("%.4f", u.meanLoss()) + ")");
            return true;
        } catch (SecAggException e) {
            log.accept("round " + w.round() + ": secure aggregation stopped: " + e.getMessage());
        } catch (FlightRuntimeException e) {
            if (e.status().code() == FlightStatusCode.INVALID_ARGUMENT)
                log.accept("round " + w.round() + ": secure aggregation message refused: " + e.status().description());
            else if (e.status().code() == FlightStatusCode.UNAUTHENTICATED) throw e;
            else log.accept("round " + w.round() + ": server lost during secure aggregation (" + e.status().code() + "); this round's keys are dropped");
        }
        return false;
    }

    /** Retries while the server is unreachable, up to {@code reconnect} from the first failure. */
    private <T> T retry(FederationChannel ch, String what, Supplier<T> call) throws InterruptedException {
        long first = 0;
        long sleep = 100;
        while (true) {
            try {
                return call.get();
            } catch (FlightRuntimeException e) {
                FlightStatusCode c = e.status().code();
                if (c != FlightStatusCode.UNAVAILABLE && c != FlightStatusCode.CANCELLED && c != FlightStatusCode.TIMED_OUT
                        && c != FlightStatusCode.UNKNOWN) throw e;
                long now = System.nanoTime();
                if (first == 0) {
                    first = now;
                    log.accept(what + ": server unavailable (" + c + "), retrying for up to " + o.reconnect().toSeconds() + " s");
                }
                if (now - first > o.reconnect().toNanos())
                    throw new IllegalStateException(what + ": server unreachable for " + o.reconnect().toSeconds() + " s", e);
                Thread.sleep(sleep);
                sleep = Math.min(1000, sleep * 2);
                ch.reconnect();
            }
        }
    }
}
