package android.provider;

import android.net.Uri;

/** The contacts provider's contract: the phone-number table (its display-name column comes from interfaces). */
public final class ContactsContract {
    public static final String AUTHORITY = "com.android.contacts";

    private ContactsContract() {}

    public static final class CommonDataKinds {
        private CommonDataKinds() {}

        public static final class Phone {
            public static final Uri CONTENT_URI = Uri.parse("content://com.android.contacts/data/phones");
            public static final String NUMBER = "data1";

            private Phone() {}
        }
    }
}
