package android.media;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;
import org.auditor.reference.device.DeviceState;

/** The DRM framework: its "deviceUniqueId" is a per-device (per-app since Android 8, per-device before) ID
 *  no permission protects. The stand-in's: SHA-256 of the device state's Android ID. */
public final class MediaDrm {
    public static final String PROPERTY_DEVICE_UNIQUE_ID = "deviceUniqueId";

    public MediaDrm(UUID uuid) {}

    public byte[] getPropertyByteArray(String propertyName) {
        if (!PROPERTY_DEVICE_UNIQUE_ID.equals(propertyName)) {
            return new byte[0];
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(
                    DeviceState.current().androidId.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void release() {}
}
