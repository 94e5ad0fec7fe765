package android.os;

public class Handler {
    public Handler(Looper looper) {}

    /** Runs the callback at once: the JVM program has a single, scripted thread of events. */
    public final boolean post(Runnable r) {
        r.run();
        return true;
    }
}
