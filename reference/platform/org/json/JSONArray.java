package org.json;

import java.util.ArrayList;
import java.util.List;

public class JSONArray {
    private final List<Object> values = new ArrayList<Object>();

    public JSONArray() {}

    public JSONArray(java.util.Collection<?> copyFrom) {
        for (Object value : copyFrom) {
            put(value);
        }
    }

    public JSONArray put(Object value) {
        values.add(value);
        return this;
    }

    public int length() {
        return values.size();
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("[");
        for (Object value : values) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(value == null ? "null" : JSONObject.valueToString(value));
        }
        return out.append(']').toString();
    }
}
