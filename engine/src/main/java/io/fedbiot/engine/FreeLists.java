package io.fedbiot.engine;

import io.fedbiot.kernels.Backend;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/** Free buffers (or blocks) by exact byte size and backend: the step pool's and the thread cache's. */
final class FreeLists<T> {
    private record Key(Backend backend, long bytes) {}

    private final Map<Key, ArrayDeque<T>> lists = new HashMap<>();

    /** One free item of exactly {@code bytes} on {@code be}, or null. */
    T take(Backend be, long bytes) {
        ArrayDeque<T> q = lists.get(new Key(be, bytes));
        return q == null ? null : q.poll();
    }

    void put(Backend be, long bytes, T item) {
        lists.computeIfAbsent(new Key(be, bytes), k -> new ArrayDeque<>()).push(item);
    }

    void forEach(Consumer<T> action) {
        for (ArrayDeque<T> q : lists.values()) q.forEach(action);
    }

    void clear() {
        lists.clear();
    }
}
