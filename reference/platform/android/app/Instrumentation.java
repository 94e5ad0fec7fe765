package android.app;

import android.content.Context;
import android.content.Intent;
import android.os.Bundle;

/** Creates and drives the application and its activities, as the framework does on a device. */
public class Instrumentation {
    private Context appContext;

    public Instrumentation() {}

    public Application newApplication(ClassLoader cl, String className, Context context)
            throws InstantiationException, IllegalAccessException, ClassNotFoundException {
        Application app = (Application) instantiate(cl, className);
        app.attach(context);
        appContext = context;
        return app;
    }

    public Activity newActivity(ClassLoader cl, String className, Intent intent)
            throws InstantiationException, IllegalAccessException, ClassNotFoundException {
        Activity activity = (Activity) instantiate(cl, className);
        activity.attach(appContext);
        return activity;
    }

    public void callApplicationOnCreate(Application app) {
        app.onCreate();
    }

    public void callActivityOnCreate(Activity activity, Bundle icicle) {
        activity.performCreate(icicle);
    }

    private static Object instantiate(ClassLoader cl, String className)
            throws InstantiationException, IllegalAccessException, ClassNotFoundException {
        try {
            return cl.loadClass(className).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            InstantiationException wrapped = new InstantiationException(className);
            wrapped.initCause(e);
            throw wrapped;
        }
    }
}
