package io.fedbiot.cli;

import io.fedbiot.engine.model.Generator;
import io.fedbiot.engine.model.LlamaModel;
import io.fedbiot.engine.model.LlamaWeights;
import io.fedbiot.engine.model.ModelShapes;
import io.fedbiot.engine.model.Sampler;
import io.fedbiot.kernels.Backend;
import io.fedbiot.kernels.Backends;
import io.fedbiot.kernels.ProfilingBackend;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The profile's calls per op, against a count kept by a reflective proxy between the profiler and
 * the real backend (it sees every forwarded call, whatever the profiler names it), over a decode.
 */
class ProfilingBackendCountTest {
    private static final Set<String> NOT_KERNELS = Set.of("name", "isHost", "threads", "liveBytes", "synchronize",
            "allocate", "toHost", "fromHost", "toString", "hashCode", "equals");

    @Test
    void everyForwardedCallIsCountedUnderItsOp() {
        Backend real = Backends.java();
        Map<String, Long> seen = new TreeMap<>();
        Backend counting = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class},
                (proxy, m, args) -> {
                    if (!NOT_KERNELS.contains(m.getName())) seen.merge(m.getName(), 1L, Long::sum);
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ProfilingBackend prof = new ProfilingBackend(counting);
        try (Arena arena = Arena.ofShared()) {
            LlamaModel model = LlamaModel.full(LlamaWeights.random(ModelShapes.byName("stories260K"), prof, arena, 1));
            prof.reset();
            seen.clear();
            int[] out = Generator.generate(model, new int[]{1, 5, 9}, 10, new Sampler(0f, 1f, 0), -1, null);
            assertEquals(11, out.length, "3 prompt tokens + 8 new");
        }
        Map<String, Long> profiled = new TreeMap<>();
        for (ProfilingBackend.Op op : prof.ops()) profiled.merge(op.kind(), op.calls(), Long::sum);
        assertEquals(seen, profiled);
        assertTrue(seen.containsKey("gemm") && seen.containsKey("attentionForward"), seen.toString());
        long sum = prof.ops().stream().mapToLong(ProfilingBackend.Op::wallNanos).sum();
        assertEquals(prof.kernelNanos(), sum);
    }
}
