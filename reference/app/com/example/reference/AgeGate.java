package com.example.reference;

import android.content.Context;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * The age gate at first launch: the birthdate the user types is sent to the first party's profile endpoint,
 * so the persona the audit entered is visible in the app's own traffic. Nothing else depends on it: the SDKs
 * behave the same for a child as for an adult.
 */
public final class AgeGate {
    static final String PROFILE = Backend.API + "/v1/profile";

    private AgeGate() {}

    public static void submit(Context context, String birthdate) {
        try {
            Backend.postJson(PROFILE, new JSONObject().put("birthdate", birthdate)
                    .put("app", context.getPackageName()).toString());
        } catch (JSONException e) {
            throw new IllegalStateException(e);
        }
    }
}
