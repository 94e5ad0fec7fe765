package android.media.projection;

import android.content.Intent;

/**
 * Stand-in for the screen-capture service. On Android the intent from createScreenCaptureIntent opens a system
 * dialog and getMediaProjection works only with the result of the user accepting it; the JVM has no dialog, so
 * getMediaProjection hands out a projection for any result: the user's acceptance is simulated, said plainly.
 */
public final class MediaProjectionManager {
    private MediaProjectionManager() {}

    public Intent createScreenCaptureIntent() {
        return new Intent();
    }

    public MediaProjection getMediaProjection(int resultCode, Intent resultData) {
        return new MediaProjection();
    }
}
