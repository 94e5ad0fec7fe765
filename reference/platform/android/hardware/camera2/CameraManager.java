package android.hardware.camera2;

import android.os.Handler;

/** Stand-in for the camera2 service: one back camera "0"; openCamera calls onOpened at once (no frames). */
public final class CameraManager {
    private CameraManager() {}

    public String[] getCameraIdList() throws CameraAccessException {
        return new String[] {"0"};
    }

    public void openCamera(String cameraId, CameraDevice.StateCallback callback, Handler handler)
            throws CameraAccessException {
        callback.onOpened(new Device(cameraId));
    }

    /** Android's is android.hardware.camera2.impl.CameraDeviceImpl. */
    private static final class Device extends CameraDevice {
        private final String id;

        Device(String id) {
            this.id = id;
        }

        @Override
        public String getId() {
            return id;
        }

        @Override
        public void close() {}
    }
}
