package android.view;

/** Where a virtual display draws; the reference SDK passes none (null), which Android allows. */
public class Surface {
    private Surface() {}
}
