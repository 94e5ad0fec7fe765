package com.example.reference;

import android.app.Application;
import com.appsflyer.AppsFlyerLib;
import com.bytedance.sdk.AppLog;

/** Start-up: both SDKs are initialised here, before any screen or consent dialog is shown. */
public class ReferenceApplication extends Application {
    static final String APPSFLYER_DEV_KEY = "rEfErEnCeDeVkEy2026";

    @Override
    public void onCreate() {
        super.onCreate();
        // The ByteDance SDK starts collecting and beaconing at once; AppsFlyer waits for start() (after consent).
        AppLog.init(this, new AppLog.Config(1128, "reference_channel"));
        AppsFlyerLib.getInstance().init(APPSFLYER_DEV_KEY, null, this);
    }
}
