package com.google.android.gms.location;

public final class LocationRequest {
    private LocationRequest() {}

    /** Deprecated in play-services-location 21 in favour of LocationRequest.Builder, still widely called. */
    public static LocationRequest create() {
        return new LocationRequest();
    }
}
