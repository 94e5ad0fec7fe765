package android.location;

import android.os.CancellationSignal;
import android.os.Looper;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.auditor.reference.device.DeviceState;

/** Every provider reports the fix planted in the device state; listeners get one update at once. */
public class LocationManager {
    public static final String GPS_PROVIDER = "gps";
    public static final String NETWORK_PROVIDER = "network";
    public static final String PASSIVE_PROVIDER = "passive";

    LocationManager() {}

    public Location getLastKnownLocation(String provider) {
        return DeviceState.current().location(provider);
    }

    public void requestLocationUpdates(String provider, long minTime, float minDistance, LocationListener listener) {
        listener.onLocationChanged(DeviceState.current().location(provider));
    }

    public void requestLocationUpdates(
            String provider, long minTime, float minDistance, LocationListener listener, Looper looper) {
        listener.onLocationChanged(DeviceState.current().location(provider));
    }

    public void requestSingleUpdate(String provider, LocationListener listener, Looper looper) {
        listener.onLocationChanged(DeviceState.current().location(provider));
    }

    /** API 30. */
    public void getCurrentLocation(
            String provider, CancellationSignal cancellationSignal, Executor executor, Consumer<Location> consumer) {
        final Location fix = DeviceState.current().location(provider);
        executor.execute(() -> consumer.accept(fix));
    }

    public void removeUpdates(LocationListener listener) {}
}
