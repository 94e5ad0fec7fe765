package android.hardware.biometrics;

import android.content.Context;
import android.content.DialogInterface;
import android.os.CancellationSignal;
import java.util.concurrent.Executor;
import org.auditor.reference.device.DeviceState;

/** API 28. Authentication succeeds or fails as planted in the device state (biometric.result). */
public class BiometricPrompt {
    public static final int BIOMETRIC_ERROR_CANCELED = 5;
    private final CharSequence title;

    private BiometricPrompt(CharSequence title) {
        this.title = title;
    }

    public static class Builder {
        private CharSequence title;

        public Builder(Context context) {}

        public Builder setTitle(CharSequence title) {
            this.title = title;
            return this;
        }

        public Builder setSubtitle(CharSequence subtitle) {
            return this;
        }

        public Builder setDescription(CharSequence description) {
            return this;
        }

        public Builder setNegativeButton(CharSequence text, Executor executor, DialogInterface.OnClickListener listener) {
            return this;
        }

        public BiometricPrompt build() {
            return new BiometricPrompt(title);
        }
    }

    public static final class CryptoObject {
        public CryptoObject(java.security.Signature signature) {}

        public CryptoObject(javax.crypto.Cipher cipher) {}

        public CryptoObject(javax.crypto.Mac mac) {}
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

        public void onAuthenticationError(int errorCode, CharSequence errString) {}

        public void onAuthenticationHelp(int helpCode, CharSequence helpString) {}

        public void onAuthenticationSucceeded(AuthenticationResult result) {}

        public void onAuthenticationFailed() {}
    }

    public void authenticate(CancellationSignal cancel, Executor executor, AuthenticationCallback callback) {
        authenticate(null, cancel, executor, callback);
    }

    public void authenticate(
            CryptoObject crypto, CancellationSignal cancel, Executor executor, final AuthenticationCallback callback) {
        final boolean accepted = DeviceState.current().biometricAccepted;
        final AuthenticationResult result = new AuthenticationResult(crypto);
        executor.execute(() -> {
            if (accepted) {
                callback.onAuthenticationSucceeded(result);
            } else {
                callback.onAuthenticationError(BIOMETRIC_ERROR_CANCELED, "Authentication canceled");
            }
        });
    }
}
