package io.fedbiot.engine.tokenizer;

import java.util.Arrays;

/** A growable int array, so encoding does not box every id. */
final class IntList {
    private int[] items;
    private int size;

    IntList(int capacity) {
        items = new int[Math.max(capacity, 4)];
    }

    void add(int value) {
        if (size == items.length) items = Arrays.copyOf(items, size * 2);
        items[size++] = value;
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(items, size);
    }
}
