package org.auditor.reference.host;

import android.app.Activity;
import android.app.Application;
import android.app.ContextImpl;
import android.app.Instrumentation;
import android.content.Intent;
import android.view.View;
import com.example.reference.AgeGate;
import com.example.reference.MainActivity;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.auditor.reference.device.DeviceState;

/**
 * Runs the reference app on the JVM as one scripted session. Protocol (stdout lines, one per step):
 *
 * <pre>
 * AUDITOR-REFERENCE 1 pid=PID   started; Frida hooks, if any, are already in place
 * AUDITOR-PHASE launch          Application.onCreate (SDK start-up) then MainActivity.onCreate
 * AUDITOR-AWAIT birthdate       with --age-gate stdin only: the age gate is shown; the harness writes one
 *                               line "birthdate VALUE" (what the user typed)
 * AUDITOR-PHASE agegate         the birthdate submitted (AgeGate)
 * AUDITOR-PHASE paste           the user taps "Paste"
 * AUDITOR-AWAIT consent         the consent dialog is shown; the harness records its mark, then writes one
 *                               line to stdin: "consent" (tap Accept), "decline" (tap Decline) or
 *                               "leave" (the user leaves the app with the dialog unanswered)
 * AUDITOR-PHASE consent|decline the tap (after "leave": AUDITOR-PHASE leave, then AUDITOR-DONE)
 * AUDITOR-PHASE login           the user taps "Log in" (biometric prompt, selfie check)
 * AUDITOR-DONE                  then System.exit(0)
 * </pre>
 *
 * With --consent auto|decline-auto the answer is given without waiting. Errors: "AUDITOR-ERROR message"
 * and exit status 2 (bad arguments or files), 3 (no consent answer in time) or 4 (the app threw).
 * HTTPS goes where the JVM's https.proxyHost/https.proxyPort say; --ca PEM makes that CA the only trusted one.
 */
public final class Main {
    static final String APP_PACKAGE = "com.example.reference";
    static final String PROTOCOL_VERSION = "1";

    private Main() {}

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
            if (options.caPem != null) {
                trustOnly(options.caPem);
            }
            if (options.deviceState != null) {
                DeviceState.load(Paths.get(options.deviceState));
            }
        } catch (IllegalArgumentException | IOException | java.security.GeneralSecurityException e) {
            fail(2, e.getMessage());
            return;
        }
        say("AUDITOR-REFERENCE " + PROTOCOL_VERSION + " pid=" + ProcessHandle.current().pid());
        try {
            run(options);
        } catch (ReflectiveOperationException e) {
            fail(2, "cannot start the app: " + e);
        } catch (RuntimeException e) {
            // An app crash must still end the JVM: under Frida only System.exit does (see the note below).
            e.printStackTrace();
            fail(4, "the app crashed: " + e);
        }
        say("AUDITOR-DONE");
        // A loaded Frida agent keeps a non-daemon thread attached to the VM: only an explicit exit ends it.
        System.exit(0);
    }

    private static void run(Options options) throws ReflectiveOperationException {
        ClassLoader loader = Main.class.getClassLoader();
        Instrumentation instrumentation = new Instrumentation();
        say("AUDITOR-PHASE launch");
        Application app = instrumentation.newApplication(
                loader, APP_PACKAGE + ".ReferenceApplication", ContextImpl.createAppContext(APP_PACKAGE));
        instrumentation.callApplicationOnCreate(app);
        Activity activity = instrumentation.newActivity(loader, APP_PACKAGE + ".MainActivity", new Intent());
        instrumentation.callActivityOnCreate(activity, null);

        if (options.ageGate) {
            String line = awaitAnswer("birthdate", options.consentTimeoutSeconds);
            if (!line.startsWith("birthdate ")) {
                fail(3, "age gate answer must be 'birthdate VALUE'");
            }
            say("AUDITOR-PHASE agegate");
            AgeGate.submit(activity, line.substring("birthdate ".length()).trim());
        }

        say("AUDITOR-PHASE paste");
        tap(activity, MainActivity.ID_PASTE);

        Boolean consent = options.consentAnswer == null ? awaitConsent(options.consentTimeoutSeconds)
                : options.consentAnswer;
        if (consent == null) {
            say("AUDITOR-PHASE leave");
            return;
        }
        say("AUDITOR-PHASE " + (consent ? "consent" : "decline"));
        tap(activity, consent ? MainActivity.ID_CONSENT_ACCEPT : MainActivity.ID_CONSENT_DECLINE);

        say("AUDITOR-PHASE login");
        tap(activity, MainActivity.ID_LOGIN);
    }

    private static void tap(Activity activity, int viewId) {
        View view = activity.findViewById(viewId);
        if (view == null || !view.performClick()) {
            throw new IllegalStateException("no clickable view " + Integer.toHexString(viewId));
        }
    }

    /** The consent dialog's answer: TRUE accept, FALSE decline, null the user left the app. */
    private static Boolean awaitConsent(int timeoutSeconds) {
        String answer = awaitAnswer("consent", timeoutSeconds);
        if ("consent".equals(answer)) {
            return Boolean.TRUE;
        }
        if ("decline".equals(answer)) {
            return Boolean.FALSE;
        }
        if ("leave".equals(answer)) {
            return null;
        }
        fail(3, "consent answer must be consent, decline or leave, got " + answer.length() + " characters");
        return null;
    }

    /** Reads the answer on a daemon thread so that a silent harness cannot hold the program forever. */
    private static String awaitAnswer(String prompt, int timeoutSeconds) {
        say("AUDITOR-AWAIT " + prompt);
        BlockingQueue<String> answers = new ArrayBlockingQueue<String>(1);
        Thread reader = new Thread(() -> answers.offer(readLine(System.in)), "consent-reader");
        reader.setDaemon(true);
        reader.start();
        String answer;
        try {
            answer = answers.poll(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer = null;
        }
        if (answer == null) {
            fail(3, "no " + prompt + " answer within " + timeoutSeconds + " s");
        }
        return answer;
    }

    private static String readLine(InputStream in) {
        try {
            String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            return line == null ? "" : line.trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static void trustOnly(String caPem) throws IOException, java.security.GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(Paths.get(caPem))) {
            int index = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + index++, certificate);
            }
            if (index == 0) {
                throw new IOException(caPem + ": no certificate in the CA file");
            }
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        SSLContext.setDefault(tls);
        HttpsURLConnection.setDefaultSSLSocketFactory(tls.getSocketFactory());
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void fail(int status, String message) {
        say("AUDITOR-ERROR " + message);
        System.exit(status);
    }

    /**
     * Command-line options: --ca PEM, --device-state FILE, --consent stdin|auto|decline-auto, --consent-timeout S
     * (for every answer read from stdin), --age-gate off|stdin.
     */
    static final class Options {
        String caPem;
        String deviceState;
        Boolean consentAnswer;
        boolean ageGate;
        int consentTimeoutSeconds = 120;

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                String value = args[i + 1];
                switch (args[i]) {
                    case "--ca":
                        options.caPem = value;
                        break;
                    case "--device-state":
                        options.deviceState = value;
                        break;
                    case "--consent":
                        options.consentAnswer = parseConsent(value);
                        break;
                    case "--age-gate":
                        options.ageGate = parseAgeGate(value);
                        break;
                    case "--consent-timeout":
                        options.consentTimeoutSeconds = parseTimeout(value);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            return options;
        }

        private static Boolean parseConsent(String value) {
            switch (value) {
                case "stdin":
                    return null;
                case "auto":
                    return Boolean.TRUE;
                case "decline-auto":
                    return Boolean.FALSE;
                default:
                    throw new IllegalArgumentException("--consent must be stdin, auto or decline-auto");
            }
        }

        private static boolean parseAgeGate(String value) {
            if ("off".equals(value) || "stdin".equals(value)) {
                return "stdin".equals(value);
            }
            throw new IllegalArgumentException("--age-gate must be off or stdin");
        }

        private static int parseTimeout(String value) {
            try {
                int seconds = Integer.parseInt(value);
                if (seconds >= 1 && seconds <= 3600) {
                    return seconds;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("--consent-timeout must be 1..3600 seconds");
        }
    }
}
