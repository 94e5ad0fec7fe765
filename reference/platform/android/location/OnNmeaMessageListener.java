package android.location;

/** API 24. */
public interface OnNmeaMessageListener {
    void onNmeaMessage(String message, long timestamp);
}
