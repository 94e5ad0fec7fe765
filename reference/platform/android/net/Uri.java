package android.net;

/** Stand-in for android.net.Uri: parse and the text form (what a hook's argument summary shows). */
public abstract class Uri {
    Uri() {}

    public static Uri parse(String text) {
        return new StringUri(text);
    }

    public abstract String getAuthority();

    private static final class StringUri extends Uri {
        private final String text;

        StringUri(String text) {
            this.text = text;
        }

        @Override
        public String getAuthority() {
            int start = text.indexOf("://");
            if (start < 0) {
                return null;
            }
            int end = text.indexOf('/', start + 3);
            return end < 0 ? text.substring(start + 3) : text.substring(start + 3, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
