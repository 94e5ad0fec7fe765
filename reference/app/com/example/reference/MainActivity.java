package com.example.reference;

import android.app.Activity;
import android.os.Bundle;
import android.view.View;
import android.widget.Button;
import android.widget.LinearLayout;

/** The only screen: Paste, the consent dialog's Accept/Decline, and Log in. */
public class MainActivity extends Activity {
    public static final int ID_PASTE = 0x7f080001;
    public static final int ID_CONSENT_ACCEPT = 0x7f080002;
    public static final int ID_CONSENT_DECLINE = 0x7f080003;
    public static final int ID_LOGIN = 0x7f080004;

    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        View.OnClickListener clicks = new View.OnClickListener() {
            @Override
            public void onClick(View v) {
                onButton(v.getId());
            }
        };
        LinearLayout layout = new LinearLayout(this);
        layout.setOrientation(LinearLayout.VERTICAL);
        layout.addView(button(ID_PASTE, "Paste", clicks));
        layout.addView(button(ID_CONSENT_ACCEPT, "Accept all", clicks));
        layout.addView(button(ID_CONSENT_DECLINE, "Decline", clicks));
        layout.addView(button(ID_LOGIN, "Log in", clicks));
        setContentView(layout);
        // First-party product analytics (a processor in Japan), sent on every app open.
        AppOpenEvent.send(this);
    }

    private void onButton(int id) {
        switch (id) {
            case ID_PASTE:
                PasteHandler.pasteVoucher(this);
                break;
            case ID_CONSENT_ACCEPT:
                ConsentDialog.accept(this);
                break;
            case ID_CONSENT_DECLINE:
                ConsentDialog.decline(this);
                break;
            case ID_LOGIN:
                BiometricLogin.start(this);
                break;
            default:
                break;
        }
    }

    private Button button(int id, String label, View.OnClickListener listener) {
        Button button = new Button(this);
        button.setId(id);
        button.setText(label);
        button.setOnClickListener(listener);
        return button;
    }
}
