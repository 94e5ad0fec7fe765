package com.google.android.gms.location;

import android.location.Location;
import java.util.Collections;
import java.util.List;

public final class LocationResult {
    private final List<Location> locations;

    private LocationResult(List<Location> locations) {
        this.locations = locations;
    }

    public static LocationResult create(List<Location> locations) {
        return new LocationResult(Collections.unmodifiableList(locations));
    }

    public Location getLastLocation() {
        return locations.isEmpty() ? null : locations.get(locations.size() - 1);
    }

    public List<Location> getLocations() {
        return locations;
    }
}
