package io.fedbiot.method;

/** An endless, seeded stream of training batches from one dataset. */
@FunctionalInterface
public interface BatchSource {
    TrainBatch next();
}
