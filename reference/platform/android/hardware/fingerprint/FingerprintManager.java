package android.hardware.fingerprint;

import android.os.CancellationSignal;
import android.os.Handler;
import org.auditor.reference.device.DeviceState;

/** API 23, deprecated in 28 in favour of BiometricPrompt. */
public class FingerprintManager {
    FingerprintManager() {}

    public boolean isHardwareDetected() {
        return true;
    }

    public boolean hasEnrolledFingerprints() {
        return true;
    }

    public void authenticate(
            CryptoObject crypto, CancellationSignal cancel, int flags, AuthenticationCallback callback, Handler handler) {
        if (DeviceState.current().biometricAccepted) {
            callback.onAuthenticationSucceeded(new AuthenticationResult(crypto));
        } else {
            callback.onAuthenticationFailed();
        }
    }

    public static final class CryptoObject {
        public CryptoObject(java.security.Signature signature) {}
    }

    public static class AuthenticationResult {
        private final CryptoObject crypto;

        AuthenticationResult(CryptoObject crypto) {
            this.crypto = crypto;
        }

        public CryptoObject getCryptoObject() {
            return crypto;
        }
    }

    public abstract static class AuthenticationCallback {
        public AuthenticationCallback() {}

        public void onAuthenticationSucceeded(AuthenticationResult result) {}

        public void onAuthenticationFailed() {}
    }
}
