package com.google.android.gms.location;

public final class Priority {
    public static final int PRIORITY_HIGH_ACCURACY = 100;
    public static final int PRIORITY_BALANCED_POWER_ACCURACY = 102;

    private Priority() {}
}
