package android.webkit;

import android.accounts.Account;
import android.content.Context;
import android.net.http.SslError;
import android.util.Log;
import android.view.View;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.HttpURLConnection;
import java.net.URL;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.auditor.reference.device.DeviceState;

/**
 * Stand-in for the platform WebView, with the real class name and the signatures hooks watch.
 *
 * THE JVM HAS NO JAVASCRIPT ENGINE, so this is a simulation, said plainly: the page is really loaded over
 * HTTP(S) (through the proxy the JVM is given), onPageStarted/onPageFinished are called around the load, and for
 * every script the app evaluates (evaluateJavascript, loadUrl("javascript:...")) the stub does what a JS engine
 * running that script on a page where the user types would do: for each call NAME.METHOD( in the
 * script text whose NAME is an exposed interface object, it calls that object's @JavascriptInterface METHOD
 * with what the script "collected" — the text the simulated user types into the page (the device's first
 * account name, as into a login form). Nothing else of the script is read or run.
 */
public class WebView extends View {
    private static final String TAG = "WebView";
    private static final Pattern BRIDGE_CALL = Pattern.compile("\\b([A-Za-z_$][\\w$]*)\\.([A-Za-z_$][\\w$]*)\\s*\\(");

    private final Map<String, Object> interfaces = new LinkedHashMap<String, Object>();
    private WebViewClient client = new WebViewClient();
    private String url;

    public WebView(Context context) {
        super(context);
    }

    public void setWebViewClient(WebViewClient client) {
        this.client = client;
    }

    public void addJavascriptInterface(Object object, String name) {
        interfaces.put(name, object);
    }

    public void removeJavascriptInterface(String name) {
        interfaces.remove(name);
    }

    public String getUrl() {
        return url;
    }

    public void loadUrl(String url) {
        if (url.startsWith("javascript:")) {
            evaluate(url.substring("javascript:".length()));
            return;
        }
        this.url = url;
        client.onPageStarted(this, url, null);
        fetch(url);
        client.onPageFinished(this, url);
    }

    public void loadUrl(String url, Map<String, String> additionalHttpHeaders) {
        loadUrl(url);
    }

    public void evaluateJavascript(String script, ValueCallback<String> resultCallback) {
        evaluate(script);
        if (resultCallback != null) {
            resultCallback.onReceiveValue("null");
        }
    }

    /** Loads the page; a TLS error is the client's to answer (onReceivedSslError): cancelled, the load ends;
     *  proceeded, it is loaded again accepting the server's certificate, as the engine goes on with it. */
    private void fetch(String page) {
        try {
            Log.d(TAG, "GET " + page + " -> " + get(page, null));
        } catch (SSLException e) {
            SslErrorHandler handler = new SslErrorHandler();
            client.onReceivedSslError(this, handler, new SslError(SslError.SSL_UNTRUSTED, null, page));
            if (!handler.proceeding()) {
                Log.e(TAG, "GET " + page + " cancelled: " + e);
                return;
            }
            try {
                Log.d(TAG, "GET " + page + " -> " + get(page, acceptingAnyCertificate()));
            } catch (IOException | GeneralSecurityException again) {
                Log.e(TAG, "GET " + page + " failed: " + again);
            }
        } catch (IOException e) {
            Log.e(TAG, "GET " + page + " failed: " + e);
        }
    }

    private static int get(String page, SSLSocketFactory tls) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(page).openConnection();
        if (tls != null && connection instanceof HttpsURLConnection) {
            ((HttpsURLConnection) connection).setSSLSocketFactory(tls);
        }
        connection.setRequestProperty("User-Agent", "Mozilla/5.0 (Linux; Android 10; wv) AppleWebKit/537.36");
        int status = connection.getResponseCode();
        InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        if (in != null) {
            in.close();
        }
        return status;
    }

    /** TLS that accepts the certificate the client proceeded with (any: the stand-in keeps no error's chain). */
    private static SSLSocketFactory acceptingAnyCertificate() throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[]{new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return context.getSocketFactory();
    }

    /** The simulated engine: each NAME.METHOD( call on an exposed object gets the typed text (see above). */
    private void evaluate(String script) {
        Account[] accounts = DeviceState.current().accounts();
        String typed = accounts.length > 0 ? accounts[0].name : "";
        Matcher call = BRIDGE_CALL.matcher(script);
        while (call.find()) {
            Object target = interfaces.get(call.group(1));
            if (target != null) {
                invoke(target, call.group(2), typed);
            }
        }
    }

    private static void invoke(Object target, String name, String argument) {
        for (Method method : target.getClass().getMethods()) {
            if (method.getName().equals(name) && method.isAnnotationPresent(JavascriptInterface.class)
                    && method.getParameterTypes().length == 1 && method.getParameterTypes()[0] == String.class) {
                try {
                    method.setAccessible(true);     // the engine reaches the object's class whatever its access
                    method.invoke(target, argument);
                } catch (IllegalAccessException | InvocationTargetException e) {
                    Log.e(TAG, "bridge " + name + " failed: " + e);
                }
                return;
            }
        }
    }
}
