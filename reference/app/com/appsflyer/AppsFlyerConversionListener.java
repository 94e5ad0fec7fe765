package com.appsflyer;

import java.util.Map;

public interface AppsFlyerConversionListener {
    void onConversionDataSuccess(Map<String, Object> conversionData);

    void onConversionDataFail(String error);
}
