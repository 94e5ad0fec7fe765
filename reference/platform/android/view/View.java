package android.view;

import android.content.Context;

public class View {
    public static final int NO_ID = -1;
    private int id = NO_ID;
    private OnClickListener onClickListener;

    public View(Context context) {}

    public interface OnClickListener {
        void onClick(View v);
    }

    public void setId(int id) {
        this.id = id;
    }

    public int getId() {
        return id;
    }

    public void setOnClickListener(OnClickListener l) {
        onClickListener = l;
    }

    public boolean performClick() {
        if (onClickListener == null) {
            return false;
        }
        onClickListener.onClick(this);
        return true;
    }

    public final View findViewById(int id) {
        return findViewTraversal(id);
    }

    View findViewTraversal(int id) {
        return id == this.id ? this : null;
    }
}
