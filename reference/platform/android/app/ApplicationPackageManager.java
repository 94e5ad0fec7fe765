package android.app;

import android.content.pm.ApplicationInfo;
import android.content.pm.PackageInfo;
import android.content.pm.PackageItemInfo;
import android.content.pm.PackageManager;
import java.util.ArrayList;
import java.util.List;
import org.auditor.reference.device.DeviceState;

/** The implementation behind Context.getPackageManager() (hidden on Android): the planted installed packages. */
class ApplicationPackageManager extends PackageManager {
    ApplicationPackageManager() {}

    @Override
    public List<PackageInfo> getInstalledPackages(int flags) {
        List<PackageInfo> packages = new ArrayList<PackageInfo>();
        for (String name : DeviceState.current().installedPackages()) {
            PackageInfo info = new PackageInfo();
            info.packageName = name;
            packages.add(info);
        }
        return packages;
    }

    @Override
    public List<ApplicationInfo> getInstalledApplications(int flags) {
        List<ApplicationInfo> applications = new ArrayList<ApplicationInfo>();
        for (String name : DeviceState.current().installedPackages()) {
            PackageItemInfo info = new ApplicationInfo();
            info.packageName = name;
            applications.add((ApplicationInfo) info);
        }
        return applications;
    }
}
