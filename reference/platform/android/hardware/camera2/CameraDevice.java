package android.hardware.camera2;

/** An opened camera, as CameraManager.openCamera hands it to the app's callback. */
public abstract class CameraDevice implements AutoCloseable {
    CameraDevice() {}

    public abstract String getId();

    @Override
    public abstract void close();

    public abstract static class StateCallback {
        public abstract void onOpened(CameraDevice camera);

        public abstract void onDisconnected(CameraDevice camera);

        public abstract void onError(CameraDevice camera, int error);

        public void onClosed(CameraDevice camera) {}
    }
}
