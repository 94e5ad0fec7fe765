package org.auditor.reference.device;

import android.accounts.Account;
import android.location.Location;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * What the simulated phone holds: the values the platform stand-ins return. Defaults below; a harness plants
 * its own (canary) values with a properties file (--device-state FILE) using the same keys as KEYS.
 */
public final class DeviceState {
    static final int MAX_FILE_BYTES = 64 * 1024;
    static final Set<String> KEYS = new HashSet<String>(Arrays.asList(
            "clipboard.text", "location.latitude", "location.longitude", "location.accuracy", "android_id",
            "advertising_id", "limit_ad_tracking", "imei", "serial", "subscriber_id", "line1_number",
            "sim_serial", "network_operator_name", "wifi.ssid", "wifi.bssid", "accounts", "installed_packages",
            "device_name", "bluetooth_name", "contacts",
            "biometric.result", "face.count", "face.midpoint_x", "face.midpoint_y", "face.eyes_distance"));

    private static volatile DeviceState current = new DeviceState(new Properties());

    public final String clipboardText;
    public final double latitude;
    public final double longitude;
    public final float accuracy;
    public final String androidId;
    public final String advertisingId;
    public final boolean limitAdTracking;
    public final String imei;
    public final String serial;
    public final String subscriberId;
    public final String line1Number;
    public final String simSerialNumber;
    public final String networkOperatorName;
    public final String wifiSsid;
    public final String wifiBssid;
    public final String deviceName;
    public final String bluetoothName;
    public final boolean biometricAccepted;
    public final int faceCount;
    public final float faceMidX;
    public final float faceMidY;
    public final float faceEyesDistance;
    private final List<Account> accounts;
    private final List<String> installedPackages;
    private final List<String[]> contacts;

    private DeviceState(Properties p) {
        clipboardText = p.getProperty("clipboard.text", "IBAN NL91 ABNA 0417 1643 00");
        latitude = Double.parseDouble(p.getProperty("location.latitude", "52.370216"));
        longitude = Double.parseDouble(p.getProperty("location.longitude", "4.895168"));
        accuracy = Float.parseFloat(p.getProperty("location.accuracy", "12.0"));
        androidId = p.getProperty("android_id", "9a3c1f7e5b2d4e60");
        advertisingId = p.getProperty("advertising_id", "4f6c8a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b");
        limitAdTracking = Boolean.parseBoolean(p.getProperty("limit_ad_tracking", "false"));
        imei = p.getProperty("imei", "490154203237518");
        serial = p.getProperty("serial", "R58N12ABCDE");
        subscriberId = p.getProperty("subscriber_id", "204080123456789");
        line1Number = p.getProperty("line1_number", "+31612345678");
        simSerialNumber = p.getProperty("sim_serial", "8931080123456789012");
        networkOperatorName = p.getProperty("network_operator_name", "KPN");
        wifiSsid = p.getProperty("wifi.ssid", "\"HomeNet\"");
        wifiBssid = p.getProperty("wifi.bssid", "a4:2b:b0:12:34:56");
        deviceName = p.getProperty("device_name", "Pixel van Jan");
        bluetoothName = p.getProperty("bluetooth_name", deviceName);   // Android's default: the device name
        biometricAccepted = "accept".equals(p.getProperty("biometric.result", "accept"));
        faceCount = Integer.parseInt(p.getProperty("face.count", "1"));
        faceMidX = Float.parseFloat(p.getProperty("face.midpoint_x", "120.5"));
        faceMidY = Float.parseFloat(p.getProperty("face.midpoint_y", "160.25"));
        faceEyesDistance = Float.parseFloat(p.getProperty("face.eyes_distance", "42.75"));
        accounts = parseAccounts(p.getProperty("accounts", "jan.jansen@example.nl:com.google"));
        installedPackages = parseList(p.getProperty(
                "installed_packages", "com.example.reference,nl.abnamro.mobile,com.whatsapp"));
        contacts = parseContacts(p.getProperty("contacts", "Anna de Vries=+31687654321"));
    }

    public static DeviceState current() {
        return current;
    }

    /** Replaces the defaults with a planted state; unknown keys and oversized files are refused. */
    public static void load(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException(file + ": device state larger than " + MAX_FILE_BYTES + " bytes");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
        }
        for (String key : p.stringPropertyNames()) {
            if (!KEYS.contains(key)) {
                throw new IOException(file + ": unknown device state key " + key);
            }
        }
        try {
            current = new DeviceState(p);
        } catch (NumberFormatException e) {
            throw new IOException(file + ": bad number in device state: " + e.getMessage(), e);
        }
    }

    public Location location(String provider) {
        Location fix = new Location(provider);
        fix.setLatitude(latitude);
        fix.setLongitude(longitude);
        fix.setAccuracy(accuracy);
        return fix;
    }

    public Account[] accounts() {
        return accounts.toArray(new Account[0]);
    }

    public List<String> installedPackages() {
        return installedPackages;
    }

    /** Each contact as {display name, phone number}. */
    public List<String[]> contacts() {
        return contacts;
    }

    private static List<Account> parseAccounts(String spec) {
        List<Account> parsed = new ArrayList<Account>();
        for (String entry : parseList(spec)) {
            int colon = entry.lastIndexOf(':');
            parsed.add(colon < 0 ? new Account(entry, "com.google")
                    : new Account(entry.substring(0, colon), entry.substring(colon + 1)));
        }
        return Collections.unmodifiableList(parsed);
    }

    /** "name=number,name=number" (a name may hold spaces, not '=' or ','). */
    private static List<String[]> parseContacts(String spec) {
        List<String[]> parsed = new ArrayList<String[]>();
        for (String entry : parseList(spec)) {
            int equals = entry.lastIndexOf('=');
            parsed.add(new String[] {equals < 0 ? entry : entry.substring(0, equals),
                                     equals < 0 ? "" : entry.substring(equals + 1)});
        }
        return Collections.unmodifiableList(parsed);
    }

    private static List<String> parseList(String spec) {
        List<String> items = new ArrayList<String>();
        for (String item : spec.split(",")) {
            if (!item.trim().isEmpty()) {
                items.add(item.trim());
            }
        }
        return Collections.unmodifiableList(items);
    }
}
