package android.app;

import android.content.Context;
import android.content.ContextWrapper;
import android.os.Bundle;
import android.view.View;

public class Activity extends ContextWrapper {
    public static final int RESULT_OK = -1;

    private View contentView;

    public Activity() {
        super(null);
    }

    /* package */ final void attach(Context context) {
        attachBaseContext(context);
    }

    /* package */ final void performCreate(Bundle icicle) {
        onCreate(icicle);
    }

    protected void onCreate(Bundle savedInstanceState) {}

    public void setContentView(View view) {
        contentView = view;
    }

    public View findViewById(int id) {
        return contentView == null ? null : contentView.findViewById(id);
    }
}
