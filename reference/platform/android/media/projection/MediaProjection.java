package android.media.projection;

import android.hardware.display.VirtualDisplay;
import android.os.Handler;
import android.view.Surface;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

/** A screen-capture token: createVirtualDisplay starts mirroring the screen (into nothing, on the JVM). */
public final class MediaProjection {
    MediaProjection() {}

    public VirtualDisplay createVirtualDisplay(String name, int width, int height, int dpi, int flags,
                                               Surface surface, VirtualDisplay.Callback callback, Handler handler) {
        try {   // VirtualDisplay's constructor is hidden, as on Android
            Constructor<VirtualDisplay> constructor = VirtualDisplay.class.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException
                 | InvocationTargetException e) {
            throw new IllegalStateException(e);
        }
    }

    public void stop() {}
}
