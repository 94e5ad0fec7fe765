package android.hardware;

/** Stand-in for the legacy camera API: the real static open methods; the JVM has no camera, nothing is captured. */
public class Camera {
    private final int cameraId;

    private Camera(int cameraId) {
        this.cameraId = cameraId;
    }

    public static int getNumberOfCameras() {
        return 1;
    }

    public static Camera open(int cameraId) {
        return new Camera(cameraId);
    }

    public static Camera open() {
        return new Camera(0);
    }

    public void release() {}
}
