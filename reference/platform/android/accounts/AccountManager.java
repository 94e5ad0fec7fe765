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

    public Account[] getAccountsByType(String type) {
        java.util.List<Account> matching = new java.util.ArrayList<Account>();
        for (Account account : DeviceState.current().accounts()) {
            if (account.type.equals(type)) {
                matching.add(account);
            }
        }
        return matching.toArray(new Account[0]);
    }
}
