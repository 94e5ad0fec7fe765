package android.content;

public class ClipDescription {
    public static final String MIMETYPE_TEXT_PLAIN = "text/plain";
    private final CharSequence label;
    private final String[] mimeTypes;

    public ClipDescription(CharSequence label, String[] mimeTypes) {
        this.label = label;
        this.mimeTypes = mimeTypes.clone();
    }

    public CharSequence getLabel() {
        return label;
    }

    public boolean hasMimeType(String mimeType) {
        for (String type : mimeTypes) {
            if (type.equals(mimeType)) {
                return true;
            }
        }
        return false;
    }
}
