package android.content.pm;

import java.util.List;

public abstract class PackageManager {
    public static final int GET_META_DATA = 128;

    public PackageManager() {}

    public abstract List<PackageInfo> getInstalledPackages(int flags);

    public abstract List<ApplicationInfo> getInstalledApplications(int flags);
}
