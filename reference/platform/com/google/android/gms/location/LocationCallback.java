package com.google.android.gms.location;

public abstract class LocationCallback {
    public LocationCallback() {}

    public void onLocationResult(LocationResult result) {}
}
