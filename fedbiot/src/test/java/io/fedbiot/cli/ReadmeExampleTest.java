package io.fedbiot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The README's Java blocks, compiled and run as written (only paths point at the shared data and a temporary folder). */
class ReadmeExampleTest {
    static final String IMPORTS = """
            import io.fedbiot.engine.*;
            import io.fedbiot.engine.autograd.*;
            import io.fedbiot.engine.io.*;
            import io.fedbiot.engine.model.*;
            import io.fedbiot.engine.optim.*;
            import io.fedbiot.engine.tokenizer.*;
            import io.fedbiot.kernels.*;
            import io.fedbiot.method.*;
            import io.fedbiot.report.*;
            import java.lang.foreign.Arena;
            import java.nio.file.Path;
            import java.util.Arrays;
            import java.util.List;
            """;

    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final String SHARED = System.getProperty("fedbiot.shared", ROOT.resolve("../shared").toString()).replace("\\", "/");

    @TempDir
    Path tmp;

    @Test
    void theEngineExampleCompilesRunsAndLearns() throws Exception {
        String out = run("engine", Map.of("\"../shared", "\"" + SHARED,
                "Path.of(\"target/readme-adapter\")", pathOf(tmp.resolve("adapter"))));
        List<Double> losses = new ArrayList<>();
        Matcher l = Pattern.compile("step \\d+ loss ([0-9.]+)").matcher(out);
        while (l.find()) losses.add(Double.parseDouble(l.group(1)));
        assertEquals(20, losses.size(), out);
        assertTrue(losses.get(19) < losses.get(0) * 0.7, "the example should learn its sentence: " + losses);
        assertTrue(out.contains("Once upon a time"), out);
        assertTrue(Files.exists(tmp.resolve("adapter/adapter_model.safetensors")));
    }

    @Test
    void theFedbiotExampleRunsTheExampleConfig() throws Exception {
        // configs/example.yaml as it is, its ../shared paths and cache made absolute for the test's working folder
        Path yaml = tmp.resolve("example.yaml");
        Files.writeString(yaml, Files.readString(ROOT.resolve("configs/example.yaml"))
                .replace("../shared/", SHARED + "/").replace("cache: .cache/fedbiot", "cache: " + tmp.resolve("cache")));
        Path output = tmp.resolve("run");
        String out = run("fedbiot", Map.of("Path.of(\"configs/example.yaml\")", pathOf(yaml),
                "\"output=target/readme-run\"", "\"output=" + output.toString().replace("\\", "/") + "\""));
        Matcher m = Pattern.compile("FedBiOT round (\\d+) train loss ([-0-9.eE]+|NaN)").matcher(out);
        List<Double> losses = new ArrayList<>();
        while (m.find()) losses.add(Double.parseDouble(m.group(2)));
        assertFalse(losses.isEmpty(), out);
        assertTrue(losses.stream().anyMatch(x -> x > 0 && Double.isFinite(x)), "a trained round has a loss: " + out);
        Matcher report = Pattern.compile("report: (.+)").matcher(out);
        assertTrue(report.find(), out);
        Path written = Path.of(report.group(1).trim());
        assertTrue(written.startsWith(output) && Files.isRegularFile(written), "the report lands in output: " + written);
    }

    @Test
    void theReadmeListsEveryJvmFlagTheLauncherPasses() throws Exception {
        Matcher m = Pattern.compile("<fedbiot\\.jvm\\.flags>(.*?)</fedbiot\\.jvm\\.flags>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(m.find(), "pom.xml has no <fedbiot.jvm.flags>");
        String readme = Files.readString(ROOT.resolve("README.md"));
        String flags = readme.substring(readme.indexOf("## As a library"));
        for (String flag : m.group(1).trim().split("\\s+(?=--)")) // "--add-modules jdk.incubator.vector" is one flag
            assertTrue(flags.contains(flag), "README's library section does not list " + flag);
    }

    private static String pathOf(Path p) {
        return "Path.of(\"" + p.toString().replace("\\", "/") + "\")";
    }

    /** Compiles the README's block marked {@code <!-- example: NAME -->} as a main method and returns what it printed. */
    private String run(String name, Map<String, String> replace) throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher m = Pattern.compile("<!-- example: " + name + " -->\\s*```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(), "README.md has no " + name + " example");
        String body = m.group(1);
        for (var e : replace.entrySet()) {
            assertTrue(body.contains(e.getKey()), "the " + name + " example no longer has " + e.getKey());
            body = body.replace(e.getKey(), e.getValue());
        }
        Path dir = Files.createDirectories(tmp.resolve("classes-" + name));
        Path file = dir.resolve("ReadmeExample.java");
        Files.writeString(file, IMPORTS + "public class ReadmeExample { public static void main(String[] args) throws Exception {\n"
                + body + "\n}}");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diag = new DiagnosticCollector<>();
        try (var fm = javac.getStandardFileManager(diag, null, null)) {
            List<String> opts = List.of("--add-modules", "jdk.incubator.vector", "-classpath", System.getProperty("java.class.path"),
                    "-d", dir.toString());
            boolean ok = javac.getTask(null, fm, diag, opts, null, fm.getJavaFileObjects(file)).call();
            assertTrue(ok, "README " + name + " example does not compile: " + diag.getDiagnostics());
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        try (URLClassLoader cl = new URLClassLoader(new URL[]{dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(buf, true));
            Method main = cl.loadClass("ReadmeExample").getMethod("main", String[].class);
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(old);
        }
        return buf.toString();
    }
}
