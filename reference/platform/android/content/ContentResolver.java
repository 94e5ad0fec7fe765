package android.content;

import android.database.Cursor;
import android.net.Uri;
import android.provider.ContactsContract;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.auditor.reference.device.DeviceState;

/** Stand-in for ContentResolver: the contacts provider's phone numbers answer query(); other providers are empty. */
public abstract class ContentResolver {
    static final String DISPLAY_NAME = "display_name";     // ContactsContract.ContactNameColumns, via Phone

    public ContentResolver(Context context) {}

    public final Cursor query(Uri uri, String[] projection, String selection, String[] selectionArgs,
                              String sortOrder) {
        String[] columns = projection != null ? projection
                : new String[] {DISPLAY_NAME, ContactsContract.CommonDataKinds.Phone.NUMBER};
        Rows cursor = new Rows(columns);
        if (ContactsContract.AUTHORITY.equals(uri.getAuthority())) {
            for (String[] contact : DeviceState.current().contacts()) {
                String[] row = new String[columns.length];
                for (int i = 0; i < columns.length; i++) {
                    row[i] = ContactsContract.CommonDataKinds.Phone.NUMBER.equals(columns[i]) ? contact[1]
                            : DISPLAY_NAME.equals(columns[i]) ? contact[0] : null;
                }
                cursor.rows.add(row);
            }
        }
        return cursor;
    }

    /** Rows in memory (Android's providers hand out a CursorWindow-backed cursor). */
    private static final class Rows implements Cursor {
        final List<String> columns;
        final List<String[]> rows = new ArrayList<String[]>();
        int position = -1;

        Rows(String[] columns) {
            this.columns = Arrays.asList(columns);
        }

        @Override
        public int getCount() {
            return rows.size();
        }

        @Override
        public boolean moveToNext() {
            position = Math.min(position + 1, rows.size());
            return position < rows.size();
        }

        @Override
        public int getColumnIndex(String columnName) {
            return columns.indexOf(columnName);
        }

        @Override
        public String getString(int columnIndex) {
            return rows.get(position)[columnIndex];
        }

        @Override
        public void close() {}
    }
}
