package android.app;

import android.content.Context;
import android.content.ContextWrapper;

public class Application extends ContextWrapper {
    public Application() {
        super(null);
    }

    /* package */ final void attach(Context context) {
        attachBaseContext(context);
    }

    public void onCreate() {}
}
