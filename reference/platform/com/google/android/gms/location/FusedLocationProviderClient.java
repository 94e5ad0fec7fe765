package com.google.android.gms.location;

import android.location.Location;
import android.os.Looper;
import com.google.android.gms.tasks.CancellationToken;
import com.google.android.gms.tasks.Task;

/** An interface since play-services-location 21; the implementation class is obfuscated (zzbi). */
public interface FusedLocationProviderClient {
    Task<Location> getLastLocation();

    Task<Location> getCurrentLocation(int priority, CancellationToken cancellationToken);

    Task<Void> requestLocationUpdates(LocationRequest request, LocationCallback callback, Looper looper);

    Task<Void> removeLocationUpdates(LocationCallback callback);
}
