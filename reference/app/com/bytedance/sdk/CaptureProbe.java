package com.bytedance.sdk;

import android.app.Activity;
import android.content.Context;
import android.content.Intent;
import android.hardware.Camera;
import android.hardware.camera2.CameraAccessException;
import android.hardware.camera2.CameraDevice;
import android.hardware.camera2.CameraManager;
import android.hardware.display.VirtualDisplay;
import android.media.AudioRecord;
import android.media.MediaRecorder;
import android.media.projection.MediaProjection;
import android.media.projection.MediaProjectionManager;
import android.util.Log;
import java.io.IOException;

/**
 * The capture surface XPrivacyLua watches (issue #16): the SDK opens the camera (legacy and camera2), starts the
 * microphone (AudioRecord and MediaRecorder) and starts a screen capture (MediaProjection), each only briefly.
 * On the JVM stand-ins nothing is captured; the calls, and the SDK frames on their stacks, are what is tested.
 */
final class CaptureProbe {
    private static final int MIC = 1;                   // MediaRecorder.AudioSource.MIC, AudioSource.MIC
    private static final int CHANNEL_IN_MONO = 16;      // AudioFormat.CHANNEL_IN_MONO
    private static final int ENCODING_PCM_16BIT = 2;    // AudioFormat.ENCODING_PCM_16BIT
    private static final int AUTO_MIRROR = 16;          // DisplayManager.VIRTUAL_DISPLAY_FLAG_AUTO_MIRROR

    private CaptureProbe() {}

    @SuppressWarnings({"deprecation", "MissingPermission"})
    static void start(Context context) {
        Camera.open(0).release();
        CameraManager cameras = (CameraManager) context.getSystemService(Context.CAMERA_SERVICE);
        try {
            cameras.openCamera(cameras.getCameraIdList()[0], new CameraDevice.StateCallback() {
                @Override
                public void onOpened(CameraDevice camera) {
                    camera.close();
                }

                @Override
                public void onDisconnected(CameraDevice camera) {
                    camera.close();
                }

                @Override
                public void onError(CameraDevice camera, int error) {
                    camera.close();
                }
            }, null);
        } catch (CameraAccessException e) {
            Log.e(AppLog.TAG, "camera: " + e);
        }
        AudioRecord microphone = new AudioRecord(MIC, 16000, CHANNEL_IN_MONO, ENCODING_PCM_16BIT, 4096);
        microphone.startRecording();
        microphone.read(new byte[4096], 0, 4096);
        microphone.stop();
        microphone.release();
        MediaRecorder recorder = new MediaRecorder();
        recorder.setAudioSource(MediaRecorder.AudioSource.MIC);
        recorder.setOutputFormat(MediaRecorder.OutputFormat.THREE_GPP);
        recorder.setAudioEncoder(MediaRecorder.AudioEncoder.AMR_NB);
        recorder.setOutputFile("/data/data/com.example.reference/cache/voice.3gp");
        try {
            recorder.prepare();
            recorder.start();
            recorder.stop();
        } catch (IOException e) {
            Log.e(AppLog.TAG, "recorder: " + e);
        }
        recorder.release();
        MediaProjectionManager projections =
                (MediaProjectionManager) context.getSystemService(Context.MEDIA_PROJECTION_SERVICE);
        Intent consent = projections.createScreenCaptureIntent();
        // on a phone: startActivityForResult(consent) and the user's acceptance; the stand-in simulates it
        MediaProjection projection = projections.getMediaProjection(Activity.RESULT_OK, consent);
        VirtualDisplay display = projection.createVirtualDisplay("capture", 720, 1280, 320, AUTO_MIRROR, null, null,
                null);
        display.release();
        projection.stop();
        Log.d(AppLog.TAG, "capture: camera, microphone and screen started and stopped");
    }
}
