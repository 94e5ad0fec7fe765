package com.google.android.gms.internal.location;

import android.location.Location;
import android.os.Looper;
import com.google.android.gms.location.FusedLocationProviderClient;
import com.google.android.gms.location.LocationCallback;
import com.google.android.gms.location.LocationRequest;
import com.google.android.gms.location.LocationResult;
import com.google.android.gms.tasks.CancellationToken;
import com.google.android.gms.tasks.Task;
import com.google.android.gms.tasks.Tasks;
import java.util.Collections;
import org.auditor.reference.device.DeviceState;

/** The (obfuscated) implementation behind FusedLocationProviderClient, as R8 names it in play-services. */
public final class zzbi implements FusedLocationProviderClient {
    public zzbi(Object contextOrActivity) {}

    @Override
    public Task<Location> getLastLocation() {
        return Tasks.forResult(DeviceState.current().location("fused"));
    }

    @Override
    public Task<Location> getCurrentLocation(int priority, CancellationToken cancellationToken) {
        return Tasks.forResult(DeviceState.current().location("fused"));
    }

    /** One update at once, with the planted fix. */
    @Override
    public Task<Void> requestLocationUpdates(LocationRequest request, LocationCallback callback, Looper looper) {
        callback.onLocationResult(LocationResult.create(
                Collections.singletonList(DeviceState.current().location("fused"))));
        return Tasks.forResult(null);
    }

    @Override
    public Task<Void> removeLocationUpdates(LocationCallback callback) {
        return Tasks.forResult(null);
    }
}
