package android.hardware.display;

/** A display the app created to mirror the screen into (MediaProjection.createVirtualDisplay). */
public final class VirtualDisplay {
    VirtualDisplay() {}

    public void release() {}

    public abstract static class Callback {
        public void onPaused() {}

        public void onResumed() {}

        public void onStopped() {}
    }
}
