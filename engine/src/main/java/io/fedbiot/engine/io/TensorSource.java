package io.fedbiot.engine.io;

/** Where a checkpoint tensor came from: the file, its name there, and its dtype on disk (before conversion to F32). */
public record TensorSource(String file, String diskName, String diskDtype) {}
