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

    /** API 24. Delivers one GGA sentence of the device state's fix (north and east), as a GPS receiver would. */
    public boolean addNmeaListener(OnNmeaMessageListener listener) {
        Location fix = DeviceState.current().location(GPS_PROVIDER);
        listener.onNmeaMessage("$GPGGA,120000.00," + nmea(fix.getLatitude(), 2) + ",N," + nmea(fix.getLongitude(), 3)
                + ",E,1,08,0.9,1.0,M,,,,", 0L);
        return true;
    }

    /** Degrees as NMEA writes them: whole degrees then minutes, dddmm.mmmmm. */
    private static String nmea(double degrees, int width) {
        int whole = (int) Math.floor(degrees);
        return String.format(java.util.Locale.ROOT, "%0" + width + "d%08.5f", whole, (degrees - whole) * 60);
    }
}
