package io.fedbiot.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Version and JVM flags, filtered into build.properties by Maven from the parent POM. */
public final class VersionInfo implements CommandLine.IVersionProvider {
    private static final Properties PROPS = load();

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = VersionInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    public static String version() {
        return PROPS.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[]{
                "fedbiot " + version(),
                "JVM: " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
                "kernel threads: " + Runtime.getRuntime().availableProcessors()};
    }
}
