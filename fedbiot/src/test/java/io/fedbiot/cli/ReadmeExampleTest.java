package io.fedbiot.cli;

import org.junit.jupiter.api.Test;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The README's engine example, compiled and run as written (paths made relative to the shared data). */
class ReadmeExampleTest {
    static final String IMPORTS = """
            import io.fedbiot.engine.*;
            import io.fedbiot.engine.autograd.*;
            import io.fedbiot.engine.io.*;
            import io.fedbiot.engine.model.*;
            import io.fedbiot.engine.optim.*;
            import io.fedbiot.engine.tokenizer.*;
            import io.fedbiot.kernels.*;
            import java.lang.foreign.Arena;
            import java.nio.file.Path;
            import java.util.Arrays;
            """;

    @Test
    void theEngineExampleCompilesRunsAndLearns() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        String readme = Files.readString(root.resolve("README.md"));
        Matcher m = Pattern.compile("<!-- example: engine -->\\s*```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(), "README.md has no engine example");
        String shared = System.getProperty("fedbiot.shared", root.resolve("../shared").toString());
        Path tmp = Files.createTempDirectory("readme");
        String body = m.group(1).replace("\"../shared", "\"" + shared.replace("\\", "/"))
                .replace("Path.of(\"target/readme-adapter\")", "Path.of(\"" + tmp.resolve("adapter").toString().replace("\\", "/") + "\")");
        String src = IMPORTS + "public class ReadmeExample { public static void main(String[] args) throws Exception {\n" + body + "\n}}";
        Path file = tmp.resolve("ReadmeExample.java");
        Files.writeString(file, src);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diag = new DiagnosticCollector<>();
        try (var fm = javac.getStandardFileManager(diag, null, null)) {
            List<String> opts = List.of("--add-modules", "jdk.incubator.vector", "-classpath", System.getProperty("java.class.path"),
                    "-d", tmp.toString());
            boolean ok = javac.getTask(null, fm, diag, opts, null, fm.getJavaFileObjects(file)).call();
            assertTrue(ok, "README example does not compile: " + diag.getDiagnostics());
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        try (URLClassLoader cl = new URLClassLoader(new URL[]{tmp.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(buf, true));
            Method main = cl.loadClass("ReadmeExample").getMethod("main", String[].class);
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString();
        List<Double> losses = new ArrayList<>();
        Matcher l = Pattern.compile("step \\d+ loss ([0-9.]+)").matcher(out);
        while (l.find()) losses.add(Double.parseDouble(l.group(1)));
        assertEquals(20, losses.size(), out);
        assertTrue(losses.get(19) < losses.get(0) * 0.7, "the example should learn its sentence: " + losses);
        assertTrue(out.contains("Once upon a time"), out);
        assertTrue(Files.exists(tmp.resolve("adapter/adapter_model.safetensors")));
    }
}
