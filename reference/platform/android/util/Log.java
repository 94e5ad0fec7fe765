package android.util;

/** Writes logcat-style lines to standard error. */
public final class Log {
    private Log() {}

    public static int d(String tag, String msg) {
        return println('D', tag, msg);
    }

    public static int i(String tag, String msg) {
        return println('I', tag, msg);
    }

    public static int w(String tag, String msg) {
        return println('W', tag, msg);
    }

    public static int e(String tag, String msg) {
        return println('E', tag, msg);
    }

    private static int println(char priority, String tag, String msg) {
        String line = priority + "/" + tag + ": " + msg;
        System.err.println(line);
        return line.length();
    }
}
