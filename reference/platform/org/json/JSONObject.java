package org.json;

import java.util.LinkedHashMap;
import java.util.Map;

/** The platform's org.json: insertion-ordered members, numbers written as Android writes them. */
public class JSONObject {
    private final Map<String, Object> members = new LinkedHashMap<String, Object>();

    public JSONObject() {}

    public JSONObject put(String name, Object value) throws JSONException {
        if (name == null) {
            throw new JSONException("Names must be non-null");
        }
        if (value == null) {
            members.remove(name);
        } else {
            checkDouble(value);
            members.put(name, value);
        }
        return this;
    }

    public JSONObject put(String name, boolean value) throws JSONException {
        return put(name, Boolean.valueOf(value));
    }

    public JSONObject put(String name, double value) throws JSONException {
        return put(name, Double.valueOf(value));
    }

    public JSONObject put(String name, int value) throws JSONException {
        return put(name, Integer.valueOf(value));
    }

    public JSONObject put(String name, long value) throws JSONException {
        return put(name, Long.valueOf(value));
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("{");
        for (Map.Entry<String, Object> member : members.entrySet()) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(quote(member.getKey())).append(':').append(valueToString(member.getValue()));
        }
        return out.append('}').toString();
    }

    static void checkDouble(Object value) throws JSONException {
        if (value instanceof Double && (((Double) value).isNaN() || ((Double) value).isInfinite())) {
            throw new JSONException("Forbidden numeric value: " + value);
        }
    }

    static String valueToString(Object value) {
        if (value instanceof Number) {
            return numberToString((Number) value);
        }
        if (value instanceof Boolean || value instanceof JSONObject || value instanceof JSONArray) {
            return value.toString();
        }
        return quote(value.toString());
    }

    /** Integral doubles lose their ".0", as Android's JSONObject.numberToString does. */
    public static String numberToString(Number number) {
        double d = number.doubleValue();
        if (number.equals(d) && d == (long) d) {
            return Long.toString((long) d);
        }
        return number.toString();
    }

    public static String quote(String data) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < data.length(); i++) {
            char c = data.charAt(i);
            switch (c) {
                case '"':
                case '\\':
                case '/':
                    out.append('\\').append(c);
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        return out.append('"').toString();
    }
}
