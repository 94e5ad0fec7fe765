package com.google.android.gms.location;

import android.app.Activity;
import android.content.Context;
import com.google.android.gms.internal.location.zzbi;

public class LocationServices {
    private LocationServices() {}

    public static FusedLocationProviderClient getFusedLocationProviderClient(Activity activity) {
        return new zzbi(activity);
    }

    public static FusedLocationProviderClient getFusedLocationProviderClient(Context context) {
        return new zzbi(context);
    }
}
