package android.content;

import java.util.ArrayList;
import java.util.List;

public class ClipData {
    private final ClipDescription description;
    private final List<Item> items = new ArrayList<Item>();

    public ClipData(CharSequence label, String[] mimeTypes, Item item) {
        description = new ClipDescription(label, mimeTypes);
        items.add(item);
    }

    public static ClipData newPlainText(CharSequence label, CharSequence text) {
        return new ClipData(label, new String[] {ClipDescription.MIMETYPE_TEXT_PLAIN}, new Item(text));
    }

    public ClipDescription getDescription() {
        return description;
    }

    public int getItemCount() {
        return items.size();
    }

    public Item getItemAt(int index) {
        return items.get(index);
    }

    @Override
    public String toString() {
        return "ClipData { " + description.getLabel() + " T:" + items.get(0).getText() + " }";
    }

    public static class Item {
        private final CharSequence text;

        public Item(CharSequence text) {
            this.text = text;
        }

        public CharSequence getText() {
            return text;
        }

        public CharSequence coerceToText(Context context) {
            return text == null ? "" : text;
        }
    }
}
