package credo;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small JSON reader for the decision lines the library writes:
 * objects become insertion-ordered maps, arrays lists, numbers
 * BigDecimal (exactly as written, scale kept), true/false Boolean, null
 * null.  Anything else is an IllegalArgumentException naming the offset. */
final class Json {
    private final String s;
    private int at;

    private Json(String s) {
        this.s = s;
    }

    static Object read(String text) {
        Json j = new Json(text);
        j.space();
        Object v = j.value(0);
        j.space();
        if (j.at != text.length())
            throw j.error("text after the value");
        return v;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("JSON: offset " + at + ": " + what);
    }

    private void space() {
        while (at < s.length()) {
            char c = s.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                return;
            at++;
        }
    }

    private Object value(int depth) {
        if (depth > 1000)
            throw error("nested too deeply");
        if (at >= s.length())
            throw error("a value expected");
        char c = s.charAt(at);
        switch (c) {
        case '{': return object(depth);
        case '[': return array(depth);
        case '"': return string();
        case 't': return word("true", Boolean.TRUE);
        case 'f': return word("false", Boolean.FALSE);
        case 'n': return word("null", null);
        default:
            if (c == '-' || (c >= '0' && c <= '9'))
                return number();
            throw error("unexpected '" + c + "'");
        }
    }

    private Object word(String w, Object v) {
        if (!s.startsWith(w, at))
            throw error("unexpected text");
        at += w.length();
        return v;
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        at++;
        space();
        if (at < s.length() && s.charAt(at) == '}') {
            at++;
            return m;
        }
        for (;;) {
            space();
            if (at >= s.length() || s.charAt(at) != '"')
                throw error("a name expected");
            String k = string();
            space();
            expect(':');
            space();
            m.put(k, value(depth + 1));
            space();
            if (at < s.length() && s.charAt(at) == ',') {
                at++;
                continue;
            }
            expect('}');
            return m;
        }
    }

    private List<Object> array(int depth) {
        List<Object> l = new ArrayList<>();
        at++;
        space();
        if (at < s.length() && s.charAt(at) == ']') {
            at++;
            return Collections.unmodifiableList(l);
        }
        for (;;) {
            space();
            l.add(value(depth + 1));
            space();
            if (at < s.length() && s.charAt(at) == ',') {
                at++;
                continue;
            }
            expect(']');
            return Collections.unmodifiableList(l);
        }
    }

    private void expect(char c) {
        if (at >= s.length() || s.charAt(at) != c)
            throw error("'" + c + "' expected");
        at++;
    }

    private String string() {
        at++;   // the opening quote
        int start = at;
        while (at < s.length()) {   // the common case: no escape
            char c = s.charAt(at);
            if (c == '"') {
                return s.substring(start, at++);
            }
            if (c == '\\')
                break;
            at++;
        }
        StringBuilder b = new StringBuilder(s.substring(start, at));
        while (at < s.length()) {
            char c = s.charAt(at++);
            if (c == '"')
                return b.toString();
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (at >= s.length())
                break;
            char e = s.charAt(at++);
            switch (e) {
            case '"': b.append('"'); break;
            case '\\': b.append('\\'); break;
            case '/': b.append('/'); break;
            case 'b': b.append('\b'); break;
            case 'f': b.append('\f'); break;
            case 'n': b.append('\n'); break;
            case 'r': b.append('\r'); break;
            case 't': b.append('\t'); break;
            case 'u':
                if (at + 4 > s.length())
                    throw error("a short \\u escape");
                try {
                    b.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
                } catch (NumberFormatException x) {
                    throw error("a bad \\u escape");
                }
                at += 4;
                break;
            default:
                throw error("a bad escape");
            }
        }
        throw error("an unterminated string");
    }

    private BigDecimal number() {
        int start = at;
        if (s.charAt(at) == '-')
            at++;
        while (at < s.length()) {
            char c = s.charAt(at);
            if ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')
                at++;
            else
                break;
        }
        try {
            return new BigDecimal(s.substring(start, at));
        } catch (NumberFormatException x) {
            at = start;
            throw error("a bad number");
        }
    }
}
