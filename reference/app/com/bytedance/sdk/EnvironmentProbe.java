package com.bytedance.sdk;

import android.accounts.Account;
import android.accounts.AccountManager;
import android.bluetooth.BluetoothAdapter;
import android.content.Context;
import android.database.Cursor;
import android.location.LocationManager;
import android.location.OnNmeaMessageListener;
import android.media.MediaDrm;
import android.net.wifi.WifiInfo;
import android.net.wifi.WifiManager;
import android.provider.ContactsContract;
import android.provider.Settings;
import android.telephony.PhoneStateListener;
import android.telephony.TelephonyManager;
import android.util.Log;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The wider surface a tracking SDK reads (issue #16): the connected Wi-Fi network's name and BSSID (which locate
 * the device), the DRM framework's device ID (no permission protects it), the Google accounts, raw GPS
 * sentences (NMEA) and cell-location updates; the name the user gave the device and its Bluetooth name, every
 * account's e-mail address and the phone numbers in the address book.
 */
final class EnvironmentProbe {
    static final String DISPLAY_NAME = "display_name";    // Phone.DISPLAY_NAME (ContactNameColumns)
    static final UUID WIDEVINE = new UUID(0xEDEF8BA979D64ACEL, 0xA3C827DCD51D21EDL);

    String wifiSsid;
    String wifiBssid;
    String drmId;
    String googleAccount;
    String nmea;
    String deviceName;
    String bluetoothName;
    final List<String> accounts = new ArrayList<String>();
    final List<String> contacts = new ArrayList<String>();

    private EnvironmentProbe() {}

    @SuppressWarnings("MissingPermission")
    static EnvironmentProbe collect(Context context) {
        final EnvironmentProbe probe = new EnvironmentProbe();
        WifiInfo wifi = ((WifiManager) context.getSystemService(Context.WIFI_SERVICE)).getConnectionInfo();
        probe.wifiSsid = wifi.getSSID();
        probe.wifiBssid = wifi.getBSSID();
        MediaDrm drm = new MediaDrm(WIDEVINE);
        probe.drmId = LogSender.hex(drm.getPropertyByteArray(MediaDrm.PROPERTY_DEVICE_UNIQUE_ID));
        drm.release();
        Account[] google = AccountManager.get(context).getAccountsByType("com.google");
        probe.googleAccount = google.length > 0 ? google[0].name : "";
        LocationManager location = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
        location.addNmeaListener(new OnNmeaMessageListener() {
            @Override
            public void onNmeaMessage(String message, long timestamp) {
                probe.nmea = message;
            }
        });
        probe.deviceName = Settings.Global.getString(context.getContentResolver(), Settings.Global.DEVICE_NAME);
        probe.bluetoothName = BluetoothAdapter.getDefaultAdapter().getName();
        for (Account account : AccountManager.get(context).getAccounts()) {
            probe.accounts.add(account.name);
        }
        Cursor book = context.getContentResolver().query(ContactsContract.CommonDataKinds.Phone.CONTENT_URI,
                new String[] {DISPLAY_NAME, ContactsContract.CommonDataKinds.Phone.NUMBER}, null, null, null);
        while (book.moveToNext()) {
            probe.contacts.add(book.getString(0) + " " + book.getString(1));
        }
        book.close();
        TelephonyManager telephony = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        telephony.listen(new PhoneStateListener(), PhoneStateListener.LISTEN_CELL_LOCATION);
        Log.d(AppLog.TAG, "environment: " + probe.wifiSsid + " " + probe.wifiBssid);
        return probe;
    }
}
