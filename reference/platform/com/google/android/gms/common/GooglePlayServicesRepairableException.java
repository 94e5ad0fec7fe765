package com.google.android.gms.common;

public class GooglePlayServicesRepairableException extends Exception {
    public GooglePlayServicesRepairableException(int connectionStatusCode, String msg) {
        super(msg);
    }
}
