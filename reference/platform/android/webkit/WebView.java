package android.webkit;

import android.accounts.Account;
import android.content.Context;
import android.util.Log;
import android.view.View;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    private void fetch(String page) {
        try {
            HttpURLConnection connection = (HttpURLConnection) new URL(page).openConnection();
            connection.setRequestProperty("User-Agent", "Mozilla/5.0 (Linux; Android 10; wv) AppleWebKit/537.36");
            int status = connection.getResponseCode();
            InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
            if (in != null) {
                in.close();
            }
            Log.d(TAG, "GET " + page + " -> " + status);
        } catch (IOException e) {
            Log.e(TAG, "GET " + page + " failed: " + e);
        }
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
