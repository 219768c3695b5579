package io.fedbiot.method;

import io.fedbiot.data.Batch;

/** An endless, seeded stream of training batches from one dataset. */
@FunctionalInterface
public interface BatchSource {
    Batch next();
}
