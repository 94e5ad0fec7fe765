package android.telephony;

public class PhoneStateListener {
    public static final int LISTEN_NONE = 0;
    public static final int LISTEN_CELL_LOCATION = 16;

    public PhoneStateListener() {}

    public void onCellLocationChanged(CellLocation location) {}
}
