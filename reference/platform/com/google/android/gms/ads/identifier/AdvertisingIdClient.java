package com.google.android.gms.ads.identifier;

import android.content.Context;
import com.google.android.gms.common.GooglePlayServicesNotAvailableException;
import com.google.android.gms.common.GooglePlayServicesRepairableException;
import java.io.IOException;
import org.auditor.reference.device.DeviceState;

/** play-services-ads-identifier: the advertising ID planted in the device state. */
public class AdvertisingIdClient {
    public AdvertisingIdClient(Context context) {}

    public static Info getAdvertisingIdInfo(Context context)
            throws IOException, GooglePlayServicesNotAvailableException, GooglePlayServicesRepairableException {
        DeviceState state = DeviceState.current();
        return new Info(state.advertisingId, state.limitAdTracking);
    }

    public static final class Info {
        private final String advertisingId;
        private final boolean limitAdTrackingEnabled;

        public Info(String advertisingId, boolean limitAdTrackingEnabled) {
            this.advertisingId = advertisingId;
            this.limitAdTrackingEnabled = limitAdTrackingEnabled;
        }

        public String getId() {
            return advertisingId;
        }

        public boolean isLimitAdTrackingEnabled() {
            return limitAdTrackingEnabled;
        }
    }
}
