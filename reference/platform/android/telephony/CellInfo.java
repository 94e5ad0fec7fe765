package android.telephony;

public abstract class CellInfo {
    CellInfo() {}
}
