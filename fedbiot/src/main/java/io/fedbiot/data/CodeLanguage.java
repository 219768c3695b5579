package io.fedbiot.data;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Labels a code instruction row with its programming language, for the by-language partition
 * (docs/CODE.md). The rule, in order:
 * <ol>
 * <li>a language named in the instruction or input ("Write a Python function", "in C++", "SQL
 *     query"): the one named first wins;</li>
 * <li>else syntax markers in the output, then the input, checked language by language in
 *     {@link #MARKERS} order (Python's {@code def f():}, Java's {@code System.out.println},
 *     C/C++'s {@code #include}, JavaScript's {@code console.log}, SQL's {@code SELECT ... FROM}, HTML tags, CSS rules, ...);</li>
 * <li>else the row is unplaced ({@link #UNPLACED}).</li>
 * </ol>
 * {@link #group} folds the detailed label into at most nine clients: the eight languages that
 * fill Code Alpaca's clients and {@link #OTHER} for rarer languages and unplaced rows.
 */
public final class CodeLanguage {
    public static final String UNPLACED = "unplaced";
    public static final String OTHER = "other";
    /** The languages that get a client of their own. */
    public static final List<String> CLIENTS = List.of("python", "javascript", "java", "sql", "html", "cpp", "c", "css");

    private static final Map<String, Pattern> NAMES = ordered(
            "python", "(?i)\\bpython\\b",
            "javascript", "(?i)\\b(javascript|js|node\\.?js|jquery|react|typescript)\\b",
            "java", "(?i)\\bjava\\b",
            "cpp", "(?i)c\\+\\+|\\bcpp\\b",
            "csharp", "(?i)\\bc#|\\bc sharp\\b",
            "c", "\\bC\\b(?![+#])",
            "sql", "(?i)\\b(sql|mysql|postgresql|sqlite)\\b|\\bquery\\b",
            "html", "(?i)\\bhtml\\b",
            "css", "(?i)\\bcss\\b",
            "ruby", "(?i)\\bruby\\b",
            "php", "(?i)\\bphp\\b",
            "swift", "(?i)\\bswift\\b",
            "go", "\\bGo\\b|(?i)\\bgolang\\b",
            "r", "\\bR\\b",
            "shell", "(?i)\\b(bash|shell|linux command)\\b",
            "rust", "(?i)\\brust\\b",
            "kotlin", "(?i)\\bkotlin\\b",
            "perl", "(?i)\\bperl\\b",
            "scala", "(?i)\\bscala\\b",
            "matlab", "(?i)\\bmatlab\\b",
            "haskell", "(?i)\\bhaskell\\b");

    /** Checked in this order; the first language whose marker appears wins. */
    static final Map<String, Pattern> MARKERS = ordered(
            "python", "(?m)^\\s*def \\w+\\(.*\\)\\s*:|\\bprint\\(|^\\s*(import|from) \\w+|\\belif\\b|^\\s*for \\w+ in .*:",
            "java", "(?m)public static void|System\\.out\\.print|^\\s*public (class|int|void|static|String)",
            "cpp", "#include\\s*<(iostream|vector|string)>|std::|\\bcout\\b",
            "c", "#include|\\bprintf\\(",
            "javascript", "(?m)\\bfunction\\s*\\w*\\s*\\(|console\\.log|^\\s*(const|let|var) \\w+\\s*=|=>|document\\.",
            "sql", "(?i)\\bselect\\b.{0,200}?\\bfrom\\b|\\binsert into\\b|\\bcreate table\\b|\\bupdate\\b \\w+ \\bset\\b",
            "html", "(?i)</?(html|div|body|p|h1|table|form|input|ul|li|span|a)\\b",
            "css", "(?m)^\\s*[.#]?[\\w-]+\\s*\\{[^}]*:[^}]*;",
            "ruby", "(?m)^\\s*end\\s*$|\\bputs\\b",
            "php", "<\\?php|\\$\\w+\\s*=",
            "shell", "(?m)^\\s*#!/bin/(ba)?sh|\\becho\\b");

    private CodeLanguage() {}

    /** The detailed label (a language of {@link #NAMES} or {@link #MARKERS}), or {@link #UNPLACED}. */
    public static String detect(String instruction, String input, String output) {
        String asked = instruction + "\n" + input;
        String best = null;
        int at = Integer.MAX_VALUE;
        for (Map.Entry<String, Pattern> e : NAMES.entrySet()) {
            Matcher m = e.getValue().matcher(asked);
            if (m.find() && m.start() < at) {
                at = m.start();
                best = e.getKey();
            }
        }
        if (best != null) return best;
        for (String text : new String[]{output, input})
            for (Map.Entry<String, Pattern> e : MARKERS.entrySet())
                if (e.getValue().matcher(text).find()) return e.getKey();
        return UNPLACED;
    }

    /** The client a detailed label goes to: itself for the eight of {@link #CLIENTS}, else {@link #OTHER}. */
    public static String group(String detailed) {
        return CLIENTS.contains(detailed) ? detailed : OTHER;
    }

    /** "python 816, javascript 242, ...; unplaced 298 (in other)" from a column of detailed labels. */
    public static String summary(String[] detailed) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String d : detailed) if (d != null) counts.merge(d, 1, Integer::sum);
        int unplaced = counts.getOrDefault(UNPLACED, 0);
        counts.remove(UNPLACED);
        StringBuilder sb = new StringBuilder();
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).forEach(e -> {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(e.getKey()).append(' ').append(e.getValue()).append(CLIENTS.contains(e.getKey()) ? "" : " (other)");
        });
        return sb + "; the rule could not place " + unplaced + " rows (client other)";
    }

    private static Map<String, Pattern> ordered(String... kv) {
        Map<String, Pattern> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], Pattern.compile(kv[i + 1]));
        return java.util.Collections.unmodifiableMap(m);
    }
}
