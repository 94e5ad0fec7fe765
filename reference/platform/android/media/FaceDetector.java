package android.media;

import android.graphics.Bitmap;
import android.graphics.PointF;
import org.auditor.reference.device.DeviceState;

/** Finds the faces planted in the device state (face.count, face.midpoint, face.eyes_distance). */
public class FaceDetector {
    private final int maxFaces;

    public FaceDetector(int width, int height, int maxFaces) {
        this.maxFaces = maxFaces;
    }

    public int findFaces(Bitmap bitmap, Face[] faces) {
        DeviceState state = DeviceState.current();
        int found = Math.min(Math.min(state.faceCount, maxFaces), faces.length);
        for (int i = 0; i < found; i++) {
            faces[i] = new Face(state.faceMidX, state.faceMidY, state.faceEyesDistance);
        }
        return found;
    }

    public class Face {
        public static final float CONFIDENCE_THRESHOLD = 0.4f;
        private final float midX;
        private final float midY;
        private final float eyesDistance;

        Face(float midX, float midY, float eyesDistance) {
            this.midX = midX;
            this.midY = midY;
            this.eyesDistance = eyesDistance;
        }

        public float confidence() {
            return 0.53f;
        }

        public void getMidPoint(PointF point) {
            point.set(midX, midY);
        }

        public float eyesDistance() {
            return eyesDistance;
        }

        public float pose(int euler) {
            return 0f;
        }
    }
}
