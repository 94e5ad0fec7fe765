package com.google.android.gms.internal.location;

import android.location.Location;
import com.google.android.gms.location.FusedLocationProviderClient;
import com.google.android.gms.tasks.CancellationToken;
import com.google.android.gms.tasks.Task;
import com.google.android.gms.tasks.Tasks;
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
}
