package credo;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A decision, typed: the outcome, its reasons, and the named results by
 * name, read from the decision line the library writes (which
 * {@link #json()} gives back unchanged).
 *
 * <p>Results made by {@link Policy#decideTyped} take the policy's types:
 * an {@code int} is a Long; {@code number}, {@code money} and
 * {@code rate} a BigDecimal with its scale ({@code 4.20}); {@code bool} a
 * Boolean; {@code date} a LocalDate; texts and segment labels a String;
 * lists and records a List or Map (numbers BigDecimal); a null result
 * null.  {@link #parse} alone, without the policy, gives every number as
 * a BigDecimal. */
public final class Decision {
    /** The decision: ERROR when the application could not be decided. */
    public enum Outcome { APPROVE, REFER, REJECT, ERROR }

    private static final List<String> NO_REASONS = Collections.emptyList();

    private final String json;
    private final String appId;
    private final Outcome outcome;
    private final List<String> reasons;
    private final Map<String, Object> results;
    private final String error;
    private final int line;

    private Decision(String json, String appId, Outcome outcome, List<String> reasons, Map<String, Object> results,
                     String error, int line) {
        this.json = json;
        this.appId = appId;
        this.outcome = outcome;
        this.reasons = reasons;
        this.results = results;
        this.error = error;
        this.line = line;
    }

    /** A decision line as credo run writes it. */
    public static Decision parse(String json) {
        return parse(json, null);
    }

    /** types: each named result's type as the policy writes it (null: untyped). */
    @SuppressWarnings("unchecked")
    static Decision parse(String json, Map<String, String> types) {
        Object v = Json.read(json);
        if (!(v instanceof Map))
            throw new IllegalArgumentException("a decision line is a JSON object");
        Map<String, Object> m = (Map<String, Object>) v;
        Object decision = m.get("decision");
        if (!(decision instanceof String))
            throw new IllegalArgumentException("a decision line has a \"decision\"");
        Outcome outcome = Outcome.valueOf((String) decision);
        Object id = m.get("app_id");
        List<String> reasons = NO_REASONS;
        Object rs = m.get("reasons");
        if (rs instanceof List)
            reasons = (List<String>) (List<?>) rs;
        Map<String, Object> results = new LinkedHashMap<>();
        String error = null;
        int line = 0;
        if (outcome == Outcome.ERROR) {
            error = (String) m.get("error");
            Object n = m.get("line");
            if (n instanceof BigDecimal)
                line = ((BigDecimal) n).intValueExact();
        } else {
            for (Map.Entry<String, Object> e : m.entrySet()) {
                String k = e.getKey();
                if (types != null ? types.containsKey(k)
                                  : !k.equals("app_id") && !k.equals("decision") && !k.equals("reasons"))
                    results.put(k, types == null ? e.getValue() : typed(e.getValue(), types.get(k)));
            }
        }
        return new Decision(json, id instanceof String ? (String) id : null, outcome, reasons,
                Collections.unmodifiableMap(results), error, line);
    }

    private static Object typed(Object v, String type) {
        if (v == null)
            return null;
        String t = type.endsWith("?") ? type.substring(0, type.length() - 1) : type;
        switch (t) {
        case "int":
            return ((BigDecimal) v).longValueExact();
        case "date":
            return LocalDate.parse((String) v);
        default:
            return v;   // decimals are BigDecimal already; texts, labels, bools, lists and records as read
        }
    }

    /** The decision line, exactly as credo run writes it. */
    public String json() { return json; }

    /** The application's app_id, or null when it had none. */
    public String appId() { return appId; }

    public Outcome outcome() { return outcome; }

    public boolean isError() { return outcome == Outcome.ERROR; }

    /** The reasons, in order ("CODE" or "CODE: text" as the policy gives them); empty for an ERROR. */
    public List<String> reasons() { return reasons; }

    /** Every named result, in the decision line's order; empty for an ERROR. */
    public Map<String, Object> results() { return results; }

    /** A named result (null when the result is null); an
     * IllegalArgumentException when the decision has no such result (an
     * ERROR has none). */
    public Object result(String name) { return has(name); }

    /** A decimal or int result as a BigDecimal (null when null); IllegalArgumentException when it is not a number. */
    public BigDecimal decimal(String name) {
        Object v = has(name);
        if (v == null || v instanceof BigDecimal)
            return (BigDecimal) v;
        if (v instanceof Long)
            return BigDecimal.valueOf((Long) v);
        throw new IllegalArgumentException("result " + name + " is not a number: " + v);
    }

    /** A text, label or date result as text (null when null). */
    public String text(String name) {
        Object v = has(name);
        return v == null ? null : v.toString();
    }

    private Object has(String name) {
        if (!results.containsKey(name))
            throw new IllegalArgumentException("no result " + name + (isError() ? " in an ERROR decision" : ""));
        return results.get(name);
    }

    /** For an ERROR: what credo run writes as its error ("field: what"); else null. */
    public String error() { return error; }

    /** For an ERROR: its line number (1 for one application); else 0. */
    public int line() { return line; }

    @Override
    public String toString() { return json; }
}
