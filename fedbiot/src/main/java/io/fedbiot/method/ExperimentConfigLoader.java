package io.fedbiot.method;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * YAML to {@link ExperimentConfig}: the user's tree gets the {@code --set} overrides, is checked
 * key by key against the defaults' tree (so a typo is an error, not a silent default), laid over
 * the defaults, bound strictly (no float-to-int or scalar coercion) and validated.
 */
final class ExperimentConfigLoader {
    private static final YAMLMapper MAPPER = mapper();
    /** Keys that once existed, each with what to write instead (a plain "unknown key" would not say). */
    static final Map<String, String> REMOVED = Map.of(
            "seq_len", "removed (it was never read): a training sequence is its batch's longest row; "
                    + "to cap rows, set data.max_len (longer rows are skipped and counted)");
    private static final String VARIANTS = "variants";
    /** The keys one variant may set (the values only stand for their kinds). */
    private static final ObjectNode VARIANT_KEYS = MAPPER.createObjectNode().put("method", "fedbiot").put("adapter", 2).put("beta", 0.2);

    private ExperimentConfigLoader() {}

    static ExperimentConfig load(Path yaml, List<String> sets) throws IOException {
        JsonNode read;
        try {
            String text = io.fedbiot.data.TextFiles.readUtf8(yaml); // a non-UTF-8 byte named, not a bare MalformedInputException
            read = text.isBlank() ? null : MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ")";
            String msg = e.getOriginalMessage();
            if (msg.startsWith("Duplicate field")) msg = "duplicate key " + msg.substring("Duplicate field ".length()) + where;
            else msg = "not valid YAML: " + msg + where;
            throw new ExperimentConfigException(yaml.toString(), List.of(msg));
        }
        if (read != null && !read.isNull() && !read.isObject())
            throw new ExperimentConfigException(yaml.toString(), List.of("the top level must be a mapping of keys, got " + read.getNodeType()));
        return bind(read == null || read.isNull() ? MAPPER.createObjectNode() : (ObjectNode) read, sets, yaml.toString());
    }

    /** Overrides, key check, defaults, binding, validation; {@code source} names the config in errors. */
    static ExperimentConfig bind(ObjectNode user, List<String> sets, String source) {
        List<String> problems = new ArrayList<>();
        for (String s : sets) override(user, s, problems);
        ObjectNode defaults = defaultsTree();
        checkKeys(user, defaults, "", problems);
        if (!problems.isEmpty()) throw new ExperimentConfigException(source, problems);

        ObjectNode merged = defaults.deepCopy();
        overlay(merged, user);
        ExperimentConfig c;
        try {
            c = MAPPER.treeToValue(merged, ExperimentConfig.class);
        } catch (JsonMappingException e) {
            throw new ExperimentConfigException(source, List.of(describe(e, merged)));
        } catch (IOException e) {
            throw new ExperimentConfigException(source, List.of(e.getMessage()));
        }
        problems.addAll(c.problems());
        if (!problems.isEmpty()) throw new ExperimentConfigException(source, problems);
        return c;
    }

    static String toYaml(ExperimentConfig c) {
        try {
            String yaml = MAPPER.writeValueAsString(c);
            return yaml.startsWith("---\n") ? yaml.substring(4) : yaml; // the document marker says nothing to a reader
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("config not serialisable", e);
        }
    }

    /** The defaults as a YAML tree: every key the config knows. */
    static ObjectNode defaultsTree() {
        return MAPPER.valueToTree(ExperimentConfig.defaults());
    }

    /** {@code a.b.c=value}: the value is read as YAML, so 3 is a number, [wq, wk] a list, ~ null. */
    private static void override(ObjectNode root, String set, List<String> problems) {
        int eq = set.indexOf('=');
        if (eq <= 0) {
            problems.add("--set " + set + ": expected key.sub=value");
            return;
        }
        String key = set.substring(0, eq).strip(), text = set.substring(eq + 1);
        JsonNode value;
        try {
            value = text.isBlank() ? NullNode.getInstance() : MAPPER.readTree(text);
        } catch (IOException e) {
            problems.add("--set " + set + ": value is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
            return;
        }
        if (value == null || value.isMissingNode()) value = NullNode.getInstance();
        String[] parts = key.split("\\.", -1);
        ObjectNode at = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = at.get(parts[i]);
            if (next == null || next.isNull()) next = at.putObject(parts[i]);
            if (!next.isObject()) {
                problems.add("--set " + set + ": " + String.join(".", List.of(parts).subList(0, i + 1)) + " is a value, not a section");
                return;
            }
            at = (ObjectNode) next;
        }
        if (parts[parts.length - 1].isEmpty()) {
            problems.add("--set " + set + ": empty key");
            return;
        }
        at.set(parts[parts.length - 1], value);
    }

    /** Unknown keys, sections given as values, and nulls where the default is not null. */
    private static void checkKeys(ObjectNode user, ObjectNode defaults, String prefix, List<String> problems) {
        for (Map.Entry<String, JsonNode> e : user.properties()) {
            String key = prefix + e.getKey();
            JsonNode def = defaults.get(e.getKey());
            JsonNode v = e.getValue();
            if (def == null && REMOVED.containsKey(key)) {
                problems.add(key + ": " + REMOVED.get(key));
            } else if (def == null) {
                List<String> known = new ArrayList<>();
                defaults.fieldNames().forEachRemaining(known::add);
                String near = known.stream().min(Comparator.comparingInt(k -> distance(k, e.getKey()))).orElse("");
                problems.add("unknown key '" + key + "'" + (distance(near, e.getKey()) <= 3 ? " (did you mean '" + prefix + near + "'?)" : "")
                        + "; known here: " + String.join(", ", known));
            } else if (key.equals(VARIANTS)) { // a map: its keys are names the user chooses, each entry checked against one variant's keys
                if (!v.isObject()) problems.add(key + ": must be a section of named variants, e.g. {fedbiot_a4: {method: fedbiot, adapter: 4}}, got " + show(v));
                else for (Map.Entry<String, JsonNode> variant : v.properties()) {
                    if (variant.getValue().isObject()) checkKeys((ObjectNode) variant.getValue(), VARIANT_KEYS, key + "." + variant.getKey() + ".", problems);
                    else problems.add(key + "." + variant.getKey() + ": must be a section with keys " + fieldNames(VARIANT_KEYS) + ", got " + show(variant.getValue()));
                }
            } else if (def.isObject()) {
                if (v.isObject()) checkKeys((ObjectNode) v, (ObjectNode) def, key + ".", problems);
                else problems.add(key + ": must be a section with keys " + fieldNames(def) + ", got " + show(v));
            } else if (v.isObject()) {
                problems.add(key + ": is a value, not a section; got " + show(v));
            } else if (v.isNull() && !def.isNull()) {
                problems.add(key + ": must not be null (default " + show(def) + ")");
            } else if (v.isArray()) {
                for (int i = 0; i < v.size(); i++)
                    if (v.get(i).isNull() || v.get(i).isContainerNode()) problems.add(key + "[" + i + "]: must be a plain value, got " + show(v.get(i)));
            }
        }
    }

    private static void overlay(ObjectNode base, ObjectNode top) {
        for (Map.Entry<String, JsonNode> e : top.properties()) {
            JsonNode b = base.get(e.getKey());
            if (b != null && b.isObject() && e.getValue().isObject()) overlay((ObjectNode) b, (ObjectNode) e.getValue());
            else base.set(e.getKey(), e.getValue());
        }
    }

    /** A binding error as "key: expected X, got Y" with the key spelled as in the YAML. */
    private static String describe(JsonMappingException e, JsonNode merged) {
        StringBuilder key = new StringBuilder();
        JsonNode at = merged;
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (!key.isEmpty()) key.append('.');
                key.append(r.getFieldName());
                at = at == null ? null : at.get(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                key.append('[').append(r.getIndex()).append(']');
                at = at == null ? null : at.get(r.getIndex());
            }
        }
        String got = at == null ? "?" : show(at);
        if (e instanceof ValueInstantiationException && e.getCause() != null) return key + ": " + e.getCause().getMessage();
        Class<?> type = e instanceof MismatchedInputException m ? m.getTargetType() : null;
        if (e instanceof InvalidFormatException f && f.getValue() != null && at == null) got = String.valueOf(f.getValue());
        return key + ": expected " + describeType(type) + ", got " + got;
    }

    private static String describeType(Class<?> t) {
        if (t == null) return "another value";
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) return "an integer";
        if (t == double.class || t == Double.class || t == float.class) return "a number";
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t == String.class) return "a string";
        if (t == Path.class) return "a path (a string)";
        if (List.class.isAssignableFrom(t)) return "a list";
        if (t.isRecord()) return "a section";
        if (t == Method.class) return "a method name (fedbiot, fedot, offsite-tuning, fedlora)";
        return t.getSimpleName();
    }

    private static String show(JsonNode v) {
        if (v.isTextual()) return "'" + v.textValue() + "'";
        if (v.isNull()) return "null";
        return v.toString();
    }

    private static String fieldNames(JsonNode obj) {
        List<String> n = new ArrayList<>();
        obj.fieldNames().forEachRemaining(n::add);
        return String.join(", ", n);
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static YAMLMapper mapper() {
        SimpleModule m = new SimpleModule("fedbiot-config");
        m.addSerializer(Path.class, new JsonSerializer<>() {
            @Override
            public void serialize(Path p, JsonGenerator g, SerializerProvider s) throws IOException {
                g.writeString(p.toString()); // plain, not Jackson's file: URI
            }
        });
        m.addDeserializer(Path.class, new JsonDeserializer<>() {
            @Override
            public Path deserialize(JsonParser p, DeserializationContext c) throws IOException {
                if (p.currentToken() != JsonToken.VALUE_STRING) return (Path) c.handleUnexpectedToken(Path.class, p);
                return Path.of(p.getText());
            }
        });
        m.addSerializer(Method.class, new JsonSerializer<>() {
            @Override
            public void serialize(Method v, JsonGenerator g, SerializerProvider s) throws IOException {
                g.writeString(v.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
        });
        m.addDeserializer(Method.class, new JsonDeserializer<>() {
            @Override
            public Method deserialize(JsonParser p, DeserializationContext c) throws IOException {
                if (p.currentToken() != JsonToken.VALUE_STRING) return (Method) c.handleUnexpectedToken(Method.class, p);
                try {
                    return Method.parse(p.getText());
                } catch (IllegalArgumentException e) {
                    throw InvalidFormatException.from(p, e.getMessage(), p.getText(), Method.class);
                }
            }
        });
        return YAMLMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .addModule(m)
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION) // last-wins hides typos
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                        DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(false))
                .build();
    }
}
