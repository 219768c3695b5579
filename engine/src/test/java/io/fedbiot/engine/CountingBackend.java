package io.fedbiot.engine;

import io.fedbiot.kernels.Backend;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** A backend that counts kernel calls by name and delegates to a real one. */
public final class CountingBackend {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Backend proxy;

    public CountingBackend(Backend real) {
        proxy = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class},
                (p, m, args) -> {
                    counts.computeIfAbsent(m.getName(), k -> new AtomicLong()).incrementAndGet();
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    public Backend backend() {
        return proxy;
    }

    public long count(String kernel) {
        AtomicLong c = counts.get(kernel);
        return c == null ? 0 : c.get();
    }

    public void reset() {
        counts.clear();
    }
}
