package com.example.reference;

import android.accounts.Account;
import android.accounts.AccountManager;
import android.content.Context;
import android.content.DialogInterface;
import android.graphics.Bitmap;
import android.graphics.PointF;
import android.hardware.biometrics.BiometricPrompt;
import android.media.FaceDetector;
import android.os.CancellationSignal;
import android.telephony.TelephonyManager;
import android.util.Log;
import java.util.concurrent.Executor;
import org.json.JSONException;
import org.json.JSONObject;

/** Log in: on-device biometric authentication, then a selfie check whose face geometry is uploaded. */
final class BiometricLogin {
    static final int SELFIE_WIDTH = 240;
    static final int SELFIE_HEIGHT = 320;

    private static final Executor DIRECT = new Executor() {
        @Override
        public void execute(Runnable command) {
            command.run();
        }
    };

    private BiometricLogin() {}

    static void start(final Context context) {
        BiometricPrompt prompt = new BiometricPrompt.Builder(context)
                .setTitle("Log in to Reference")
                .setNegativeButton("Use password", DIRECT, new DialogInterface.OnClickListener() {
                    @Override
                    public void onClick(DialogInterface dialog, int which) {}
                })
                .build();
        prompt.authenticate(new CancellationSignal(), DIRECT, new BiometricPrompt.AuthenticationCallback() {
            @Override
            public void onAuthenticationSucceeded(BiometricPrompt.AuthenticationResult result) {
                uploadLogin(context);
            }

            @Override
            public void onAuthenticationError(int errorCode, CharSequence errString) {
                Log.w("Reference", "biometric login failed: " + errString);
            }
        });
    }

    /** Biometric data leaves the phone here: the face found in the selfie, with its geometry. */
    static void uploadLogin(Context context) {
        Bitmap selfie = Bitmap.createBitmap(SELFIE_WIDTH, SELFIE_HEIGHT, Bitmap.Config.RGB_565);
        FaceDetector detector = new FaceDetector(SELFIE_WIDTH, SELFIE_HEIGHT, 1);
        FaceDetector.Face[] faces = new FaceDetector.Face[1];
        int found = detector.findFaces(selfie, faces);
        TelephonyManager telephony = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        Account[] accounts = AccountManager.get(context).getAccounts();
        try {
            JSONObject face = new JSONObject().put("count", found);
            if (found > 0) {
                PointF mid = new PointF();
                faces[0].getMidPoint(mid);
                face.put("mid_x", (double) mid.x).put("mid_y", (double) mid.y)
                        .put("eyes_distance", (double) faces[0].eyesDistance());
            }
            JSONObject login = new JSONObject()
                    .put("account", accounts.length > 0 ? accounts[0].name : "")
                    .put("phone", telephony.getLine1Number())
                    .put("biometric", "passed")
                    .put("face", face);
            Backend.postJson(Backend.API + "/v1/login", login.toString());
        } catch (JSONException e) {
            throw new IllegalStateException(e);
        }
    }
}
