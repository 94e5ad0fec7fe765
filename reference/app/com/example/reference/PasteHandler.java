package com.example.reference;

import android.content.ClipData;
import android.content.ClipboardManager;
import android.content.Context;
import io.sentry.Sentry;
import org.json.JSONException;
import org.json.JSONObject;

/** The Paste button: the user asks the app to read the clipboard, and the app redeems what it found. */
final class PasteHandler {
    private PasteHandler() {}

    static void pasteVoucher(Context context) {
        ClipboardManager clipboard = (ClipboardManager) context.getSystemService(Context.CLIPBOARD_SERVICE);
        if (!clipboard.hasPrimaryClip()) {
            return;
        }
        ClipData clip = clipboard.getPrimaryClip();
        CharSequence text = clip.getItemAt(0).coerceToText(context);
        try {
            int status = Backend.postJson(Backend.API + "/v1/paste", new JSONObject().put("text", text.toString()).toString());
            // The app reports the redemption through its crash/event SDK, to the same host: same connection.
            Sentry.captureMessage("voucher redeemed: " + status);
        } catch (JSONException e) {
            throw new IllegalStateException(e);
        }
    }
}
