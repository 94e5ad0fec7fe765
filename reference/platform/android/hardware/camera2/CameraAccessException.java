package android.hardware.camera2;

public class CameraAccessException extends Exception {
    public CameraAccessException(int problem) {
        super("camera error " + problem);
    }
}
