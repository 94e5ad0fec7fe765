package com.google.android.gms.location;

import android.location.Location;
import com.google.android.gms.tasks.CancellationToken;
import com.google.android.gms.tasks.Task;

/** An interface since play-services-location 21; the implementation class is obfuscated (zzbi). */
public interface FusedLocationProviderClient {
    Task<Location> getLastLocation();

    Task<Location> getCurrentLocation(int priority, CancellationToken cancellationToken);
}
