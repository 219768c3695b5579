package io.fedbiot.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * native/c/fedbiot_kernels.h (every export) against the {@link NativeOp} table the Java side binds:
 * the same symbols, and per symbol the return type and each parameter's kind. Needs no C compiler.
 * The parser is deliberately strict: outside comments and preprocessor lines the header may hold
 * only prototypes over int32_t, int64_t, float and pointers, and anything else fails.
 */
class NativeHeaderTest {

    enum Kind { VOID, INT32, INT64, FLOAT, POINTER }

    /** name is "FN(base)" for a per-ISA kernel, "fb_base" for a library-wide function. */
    record Proto(String name, Kind ret, List<Kind> params) {}

    private static final Pattern PROTO = Pattern.compile("(int32_t|int64_t|float|void) (FN\\(\\w+\\)|\\w+) ?\\((.*)\\)");
    private static final Pattern PARAM =
            Pattern.compile("(?:const )?(int32_t|int64_t|float|void)(?: ?(\\*) ?| )(?:const )?(\\w+)(\\[\\d*\\])?");
    private static final Pattern DEFINE = Pattern.compile("#define (FB_(?:OK|E[A-Z]+)) (-?\\d+)\\b.*");

    @Test
    void headerDeclaresExactlyWhatJavaBinds() throws IOException {
        String header = Files.readString(headerPath());
        List<String> problems = compare(parse(header), NativeOp.values());
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void statusCodesMatch() throws IOException {
        Map<String, Integer> codes = statusCodes(Files.readString(headerPath()));
        assertEquals(Map.of("FB_OK", NativeStatus.OK, "FB_EID", NativeStatus.EID, "FB_ETARGET", NativeStatus.ETARGET,
                "FB_ENOMEM", NativeStatus.ENOMEM), codes);
    }

    /** The comparison notices a wrong parameter type, a wrong return type, a missing and an extra symbol. */
    @Test
    void mismatchesAreReported() {
        String h = """
                /* fill with int32_t n instead of int64_t */
                int32_t FN(fill)(float *x, int32_t n, float v);
                void FN(copy)(float *dst, const float *src, int64_t n);
                int32_t FN(not_bound)(void);
                """;
        List<String> problems = compare(parse(h), new NativeOp[]{NativeOp.FILL, NativeOp.COPY, NativeOp.ADD});
        assertEquals(4, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).contains("FN(fill)") && problems.get(0).contains("[POINTER, INT64, FLOAT]"), problems.get(0));
        assertTrue(problems.get(1).contains("FN(copy)") && problems.get(1).contains("VOID"), problems.get(1));
        assertTrue(problems.get(2).contains("FN(add)") && problems.get(2).contains("no prototype"), problems.get(2));
        assertTrue(problems.get(3).contains("FN(not_bound)") && problems.get(3).contains("not bound"), problems.get(3));
    }

    @Test
    void parserRejectsWhatItDoesNotKnow() {
        assertThrows(IllegalArgumentException.class, () -> parse("int32_t FN(fill)(float *x, long n, float v);"));
        assertThrows(IllegalArgumentException.class, () -> parse("typedef struct { int32_t a; } s;"));
        assertThrows(IllegalArgumentException.class, () -> parse("int32_t FN(fill)(float **x);"));
        assertThrows(IllegalArgumentException.class, () -> parse("int32_t fb_init(int32_t threads)"));   // no ';'
        assertThrows(IllegalArgumentException.class, () -> parse("int32_t fb_init(int32_t);"));          // unnamed
        assertThrows(IllegalArgumentException.class, () -> parse("int32_t fb_init(int32_tthreads);"));
        assertEquals(List.of(Kind.POINTER), parse("int32_t fb_last_error(int64_t out[2]);").get("fb_last_error").params());
    }

    // ---- comparison --------------------------------------------------------------------------

    static List<String> compare(Map<String, Proto> header, NativeOp[] ops) {
        List<String> problems = new ArrayList<>();
        Map<String, Proto> unbound = new LinkedHashMap<>(header);
        for (NativeOp op : ops) {
            String name = op.perIsa ? "FN(" + op.base + ")" : "fb_" + op.base;
            Proto want = new Proto(name, op.descriptor.returnLayout().map(NativeHeaderTest::kind).orElse(Kind.VOID),
                    op.descriptor.argumentLayouts().stream().map(NativeHeaderTest::kind).toList());
            Proto got = unbound.remove(name);
            if (got == null) problems.add(name + ": bound as " + NativeOp.class.getSimpleName() + "." + op + " but has no prototype");
            else if (!got.equals(want)) problems.add(name + ": header " + got.ret() + " " + got.params() + ", Java " + want.ret() + " " + want.params());
        }
        for (String name : unbound.keySet()) problems.add(name + ": exported by the header but not bound");
        return problems;
    }

    private static Kind kind(MemoryLayout l) {
        if (l.equals(ValueLayout.ADDRESS)) return Kind.POINTER;
        if (l.equals(ValueLayout.JAVA_INT)) return Kind.INT32;
        if (l.equals(ValueLayout.JAVA_LONG)) return Kind.INT64;
        if (l.equals(ValueLayout.JAVA_FLOAT)) return Kind.FLOAT;
        throw new IllegalArgumentException("no C kind for layout " + l);
    }

    // ---- parser ------------------------------------------------------------------------------

    /** Prototypes by name, in header order. */
    static Map<String, Proto> parse(String header) {
        StringBuilder code = new StringBuilder();
        for (String line : stripComments(header).split("\n"))
            if (!line.strip().startsWith("#")) code.append(line).append('\n');
        String text = code.toString().strip();
        if (!text.isEmpty() && !text.endsWith(";")) throw new IllegalArgumentException("text after the last ';': " + text);
        Map<String, Proto> out = new LinkedHashMap<>();
        for (String stmt : text.split(";")) {
            String s = stmt.strip().replaceAll("\\s+", " ");
            if (s.isEmpty()) continue;
            Matcher m = PROTO.matcher(s);
            if (!m.matches()) throw new IllegalArgumentException("not a prototype: " + s);
            Proto p = new Proto(m.group(2), scalar(m.group(1), s), params(m.group(3).strip(), s));
            if (out.put(p.name(), p) != null) throw new IllegalArgumentException("declared twice: " + p.name());
        }
        return out;
    }

    static Map<String, Integer> statusCodes(String header) {
        Map<String, Integer> codes = new LinkedHashMap<>();
        for (String line : stripComments(header).split("\n")) {
            Matcher m = DEFINE.matcher(line.strip().replaceAll("\\s+", " "));
            if (m.matches()) codes.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return codes;
    }

    private static String stripComments(String s) {
        return s.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
    }

    private static List<Kind> params(String list, String stmt) {
        if (list.equals("void")) return List.of();
        List<Kind> kinds = new ArrayList<>();
        for (String p : list.split(",")) {
            Matcher m = PARAM.matcher(p.strip());
            if (!m.matches()) throw new IllegalArgumentException("cannot parse parameter '" + p.strip() + "' of: " + stmt);
            boolean pointer = m.group(2) != null || m.group(4) != null;
            if (!pointer && m.group(1).equals("void")) throw new IllegalArgumentException("void parameter in: " + stmt);
            kinds.add(pointer ? Kind.POINTER : scalar(m.group(1), stmt));
        }
        return kinds;
    }

    private static Kind scalar(String type, String stmt) {
        return switch (type) {
            case "int32_t" -> Kind.INT32;
            case "int64_t" -> Kind.INT64;
            case "float" -> Kind.FLOAT;
            case "void" -> Kind.VOID;
            default -> throw new IllegalArgumentException("unknown type " + type + " in: " + stmt);
        };
    }

    /** native/c/fedbiot_kernels.h of the checkout: up from the working directory to the repository root. */
    static Path headerPath() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path h = d.resolve("native/c/fedbiot_kernels.h");
            if (Files.isDirectory(d.resolve("native/c"))) {
                assertTrue(Files.isRegularFile(h), h + " is missing");
                return h;
            }
        }
        throw new AssertionError("no native/c above " + Path.of("").toAbsolutePath());
    }
}
