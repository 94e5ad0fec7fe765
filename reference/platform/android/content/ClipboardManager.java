package android.content;

import java.util.ArrayList;
import java.util.List;
import org.auditor.reference.device.DeviceState;

/** Serves the clip planted in the device state (DeviceState.clipboardText); real signatures throughout. */
public class ClipboardManager extends android.text.ClipboardManager {
    private final List<OnPrimaryClipChangedListener> listeners = new ArrayList<OnPrimaryClipChangedListener>();
    private ClipData clip;

    ClipboardManager() {
        String text = DeviceState.current().clipboardText;
        clip = text.isEmpty() ? null : ClipData.newPlainText("text", text);
    }

    public interface OnPrimaryClipChangedListener {
        void onPrimaryClipChanged();
    }

    public void setPrimaryClip(ClipData clip) {
        this.clip = clip;
        for (OnPrimaryClipChangedListener listener : new ArrayList<OnPrimaryClipChangedListener>(listeners)) {
            listener.onPrimaryClipChanged();
        }
    }

    public ClipData getPrimaryClip() {
        return clip;
    }

    public ClipDescription getPrimaryClipDescription() {
        return clip == null ? null : clip.getDescription();
    }

    public boolean hasPrimaryClip() {
        return clip != null;
    }

    public void addPrimaryClipChangedListener(OnPrimaryClipChangedListener what) {
        listeners.add(what);
    }

    public void removePrimaryClipChangedListener(OnPrimaryClipChangedListener what) {
        listeners.remove(what);
    }

    @Override
    public CharSequence getText() {
        return clip == null ? null : clip.getItemAt(0).getText();
    }

    @Override
    public void setText(CharSequence text) {
        setPrimaryClip(ClipData.newPlainText(null, text));
    }

    @Override
    public boolean hasText() {
        return clip != null && clip.getItemAt(0).getText() != null;
    }
}
