package android.accounts;

import android.content.Context;
import org.auditor.reference.device.DeviceState;

public class AccountManager {
    AccountManager() {}

    public static AccountManager get(Context context) {
        return (AccountManager) context.getSystemService(Context.ACCOUNT_SERVICE);
    }

    public Account[] getAccounts() {
        return DeviceState.current().accounts();
    }
}
