package com.google.android.gms.common;

public final class GooglePlayServicesNotAvailableException extends Exception {
    public GooglePlayServicesNotAvailableException(int errorCode) {
        super("Google Play services not available: " + errorCode);
    }
}
