// Planted values: the hooked API returns a value auditor chose (a clipboard canary, spoofed coordinates, a Wi-Fi
// network's name and BSSID, a phone number), so that
// a later transmission of that value is recognisable in the traffic. Every replacement is reported.
import Java from "frida-java-bridge";
import { Planted } from "./emit.js";
import { summarise } from "./summary.js";

export interface PlantConfig {
    clipboard?: string;
    location?: { latitude: number; longitude: number };
    /** Honey values returned as text by the API that reads them (VALUE_PLANTERS). */
    wifi_ssid?: string;
    wifi_bssid?: string;
    phone?: string;
}

let config: PlantConfig = {};

export function configurePlants(next: PlantConfig): void {
    config = next;
}

type Planter = (original: any) => { value: any; planted: Planted } | null;

function canary(what: string, original: any, make: (text: string) => any): { value: any; planted: Planted } | null {
    if (config.clipboard === undefined) return null;
    return { value: make(config.clipboard), planted: { what, value: config.clipboard, original: summarise(original) } };
}

const javaString = (text: string): any => Java.use("java.lang.String").$new(text);

const CLIPBOARD_PLANTERS: { [api: string]: Planter } = {
    "android.content.ClipboardManager.getPrimaryClip": original =>
        canary("clipboard", original, text => Java.use("android.content.ClipData").newPlainText(javaString("auditor"),
            javaString(text))),
    "android.content.ClipboardManager.getText": original => canary("clipboard", original, javaString),
    "android.content.ClipboardManager.hasPrimaryClip": original => canary("clipboard", original, () => true),
    "android.content.ClipboardManager.hasText": original => canary("clipboard", original, () => true),
    "android.content.ClipData$Item.getText": original => canary("clipboard", original, javaString),
    "android.content.ClipData$Item.coerceToText": original => canary("clipboard", original, javaString),
};

function honey(what: "wifi_ssid" | "wifi_bssid" | "phone", original: any,
               make: (text: string) => any = javaString): { value: any; planted: Planted } | null {
    const value = config[what];
    if (value === undefined) return null;
    return { value: make(value), planted: { what, value, original: summarise(original) } };
}

const VALUE_PLANTERS: { [api: string]: Planter } = {
    // Android returns a network name in double quotes (an unquoted one is a hex SSID)
    "android.net.wifi.WifiInfo.getSSID": original => honey("wifi_ssid", original, text => javaString(`"${text}"`)),
    "android.net.wifi.WifiInfo.getBSSID": original => honey("wifi_bssid", original),
    "android.telephony.TelephonyManager.getLine1Number": original => honey("phone", original),
};

/** The replacement for a hooked API's result, or null to return the original. */
export function plantFor(api: string, original: any): { value: any; planted: Planted } | null {
    const planter = CLIPBOARD_PLANTERS[api] ?? VALUE_PLANTERS[api];
    return planter === undefined ? null : planter(original);
}

/** Location is read through android.location.Location's getters whichever API produced it (LocationManager,
 *  fused Task, listener callback), so the coordinates are planted there. Returns the hooked overloads. */
export function locationGetters(): { api: string; axis: "latitude" | "longitude" }[] {
    if (config.location === undefined) return [];
    return [
        { api: "android.location.Location.getLatitude", axis: "latitude" },
        { api: "android.location.Location.getLongitude", axis: "longitude" },
    ];
}

export function plantedCoordinate(axis: "latitude" | "longitude"): number {
    return config.location![axis];
}
