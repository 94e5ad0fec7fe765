"""A scripted Android phone for the fake adb server: state that shell commands read and change.

The phone keeps what auditor touches as real state — system settings, a file system with mounts per
mount namespace, processes, root — so a test can prove that `device restore` puts back every value.
Each shell command is parsed like toybox would (shlex; `*` globs expanded) and recorded in `commands`.
Only what auditor and the adb CLI use is implemented; anything else answers like a missing binary.
"""

from __future__ import annotations

import copy
import posixpath
import shlex
import threading
import time
from dataclasses import dataclass, field

from ui_app import ScriptedApp

Result = tuple[bytes, bytes, int]

APEX_CACERTS = "/apex/com.android.conscrypt/cacerts"
SYSTEM_CACERTS = "/system/etc/security/cacerts"
USER_CACERTS = "/data/misc/user/0/cacerts-added"
# Directories the shell user (uid 2000) may not read or write; root may.
PRIVATE_PREFIXES = ("/data/misc/", "/data/adb/", "/data/data/")
READ_ONLY_PREFIXES = ("/system/", "/apex/")


def _ok(text: str = "") -> Result:
    return text.encode(), b"", 0


def _err(text: str, rc: int = 1) -> Result:
    return b"", (text + "\n").encode(), rc


@dataclass
class Mount:
    namespace: int | None          # None: init's namespace; else the pid whose namespace holds it
    target: str
    files: dict[str, bytes]        # a mounted directory's entries (shared by bind mounts)
    kind: str                      # tmpfs | bind


@dataclass
class Phone:
    serial: str
    props: dict[str, str]
    settings: dict[str, dict[str, str]]
    dirs: dict[str, dict[str, bytes]]              # base file system: directory -> name -> bytes
    root_kind: str | None = None                   # None, "magisk", "kernelsu", "aosp"
    selinux: str = "Enforcing"
    clock_offset: float = 0.0                      # device clock minus host clock, seconds
    frida_version: str | None = None               # what /data/local/tmp/frida-server --version prints
    processes: dict[int, str] = field(default_factory=dict)
    packages: dict[str, list[str]] = field(default_factory=dict)   # package -> APK paths (all splits)
    mounts: list[Mount] = field(default_factory=list)
    commands: list[tuple[str, bool]] = field(default_factory=list)  # (command line, ran as root)
    online: bool = True
    slow: dict[str, float] = field(default_factory=dict)   # command prefix -> seconds it takes
    date_nanoseconds: bool = True                 # False: a toybox whose date has no %N
    reverses: set[str] = field(default_factory=set)   # adb reverse forwards ("tcp:8080")
    app: ScriptedApp | None = None                # the app on the screen: uiautomator, screencap, input
    _next_pid: int = 4000
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _recordings: dict[int, threading.Event] = field(default_factory=dict)

    @property
    def sdk(self) -> int:
        return int(self.props["ro.build.version.sdk"])

    def snapshot(self) -> dict:
        """Everything auditor could change, to compare before set-up and after restore."""
        with self._lock:
            return {"settings": copy.deepcopy(self.settings),
                    "dirs": {d: dict(files) for d, files in self.dirs.items() if files},
                    "mounts": [(m.namespace, m.target, m.kind, sorted(m.files)) for m in self.mounts],
                    "processes": sorted(self.processes.items()), "reverses": sorted(self.reverses)}

    # -- file system with mount namespaces ----------------------------------------------------------
    def _visible_mounts(self, namespace: int | None) -> list[Mount]:
        # Android 14+ mounts APEX directories privately: a mount in init's namespace under /apex does not
        # reach zygote's namespace (that is why the CA has to be bind-mounted with nsenter there too).
        apex_private = self.sdk >= 34
        seen = []
        for mount in self.mounts:
            if mount.namespace == namespace:
                seen.append(mount)
            elif mount.namespace is None and namespace is not None:
                if not (apex_private and mount.target.startswith("/apex/")):
                    seen.append(mount)
        return seen

    def directory(self, path: str, namespace: int | None = None, create: bool = False) -> dict[str, bytes] | None:
        path = posixpath.normpath(path)
        for mount in reversed(self._visible_mounts(namespace)):
            if mount.target == path:
                return mount.files
        if path not in self.dirs and create:
            self.dirs[path] = {}
        return self.dirs.get(path)

    def read(self, path: str, namespace: int | None = None) -> bytes | None:
        parent, name = posixpath.split(posixpath.normpath(path))
        entries = self.directory(parent, namespace)
        return None if entries is None else entries.get(name)

    def write(self, path: str, data: bytes, namespace: int | None = None) -> bool:
        parent, name = posixpath.split(posixpath.normpath(path))
        entries = self.directory(parent, namespace, create=True)
        assert entries is not None
        entries[name] = data
        return True

    def is_dir(self, path: str, namespace: int | None = None) -> bool:
        return self.directory(path, namespace) is not None

    @staticmethod
    def _may(path: str, root: bool, write: bool) -> bool:
        if root:
            return True
        if path.startswith(PRIVATE_PREFIXES):
            return False
        return not (write and path.startswith(READ_ONLY_PREFIXES))

    # -- the shell ----------------------------------------------------------------------------------
    def run(self, command_line: str, root: bool = False, namespace: int | None = None,
            hangup: threading.Event | None = None) -> Result:
        with self._lock:
            self.commands.append((command_line, root))
        for prefix, seconds in self.slow.items():
            if command_line.startswith(prefix):
                time.sleep(seconds)
        try:
            argv = self._split(command_line, namespace)
        except ValueError as exc:
            return _err(f"/system/bin/sh: syntax error: {exc}", 2)
        if not argv:
            return _ok()
        name = argv[0]
        handler = getattr(self, "cmd_" + name.replace("-", "_"), None)
        if name == "screenrecord":
            return self.screenrecord(argv, hangup or threading.Event())   # blocks, outside the lock
        if name.endswith("/frida-server"):
            return self._frida_server(argv, root)
        if handler is None:
            return _err(f"/system/bin/sh: {name}: inaccessible or not found", 127)
        with self._lock:
            return handler(argv, root, namespace)

    def _split(self, command_line: str, namespace: int | None) -> list[str]:
        """Words as sh makes them: quotes removed; an unquoted word ending in /* expanded like a glob."""
        raw = shlex.shlex(command_line, posix=False)
        raw.whitespace_split = True
        argv = []
        for token in raw:
            word = shlex.split(token)[0] if token else ""
            if token.endswith("/*") and not token.startswith(("'", '"')):
                parent = posixpath.dirname(word)
                matches = sorted(self.directory(parent, namespace) or {})
                argv.extend(posixpath.join(parent, n) for n in matches) if matches else argv.append(word)
            else:
                argv.append(word)
        return argv

    def cmd_getprop(self, argv, root, ns) -> Result:
        if len(argv) == 1:
            return _ok("".join(f"[{k}]: [{v}]\n" for k, v in sorted(self.props.items())))
        return _ok(self.props.get(argv[1], "") + "\n")

    def cmd_settings(self, argv, root, ns) -> Result:
        if len(argv) < 3 or argv[2] not in self.settings:
            return _err("usage: settings [--user N] get|put|delete|list NAMESPACE [KEY [VALUE]]", 255)
        if argv[1] == "list" and len(argv) == 3 and argv[2] in self.settings:
            return _ok("".join(f"{k}={v}\n" for k, v in sorted(self.settings[argv[2]].items())))
        if len(argv) < 4:
            return _err("usage: settings [--user N] get|put|delete|list NAMESPACE [KEY [VALUE]]", 255)
        verb, table, key = argv[1], self.settings[argv[2]], argv[3]
        if verb == "get":
            return _ok(table.get(key, "null") + "\n")
        if verb == "put" and len(argv) == 5:
            table[key] = argv[4]
            return _ok()
        if verb == "delete":
            existed = table.pop(key, None) is not None
            return _ok(f"Deleted {1 if existed else 0} rows\n")
        return _err("bad settings arguments", 255)

    def cmd_getenforce(self, argv, root, ns) -> Result:
        return _ok(self.selinux + "\n")

    def cmd_id(self, argv, root, ns) -> Result:
        if root:
            return _ok("uid=0(root) gid=0(root) groups=0(root) context=u:r:magisk:s0\n")
        return _ok("uid=2000(shell) gid=2000(shell) groups=2000(shell) context=u:r:shell:s0\n")

    def cmd_su(self, argv, root, ns) -> Result:
        if self.root_kind is None:
            return _err("/system/bin/sh: su: inaccessible or not found", 127)
        if self.root_kind in ("magisk", "kernelsu"):
            if argv[1:2] == ["-v"]:
                return _ok({"magisk": "27.0:MAGISK\n", "kernelsu": "v1.0.1:KernelSU\n"}[self.root_kind])
            if len(argv) == 3 and argv[1] == "-c":
                return self.run(argv[2], root=True, namespace=ns)
            return _err("su: unsupported arguments")
        # AOSP userdebug su: `su [WHO [COMMAND...]]`, no options
        if len(argv) >= 3 and argv[1] == "0":
            return self.run(shlex.join(argv[2:]), root=True, namespace=ns)
        return _err(f"su: invalid uid/gid '{argv[1] if len(argv) > 1 else ''}'")

    def cmd_sh(self, argv, root, ns) -> Result:
        if len(argv) == 3 and argv[1] == "-c":
            return self.run(argv[2], root=root, namespace=ns)
        return _err("sh: only sh -c is scripted", 2)

    def cmd_date(self, argv, root, ns) -> Result:
        now = time.time() + self.clock_offset
        if argv[1:] == ["+%s.%N"]:
            # old toybox prints %N literally
            return _ok(f"{now:.9f}\n" if self.date_nanoseconds else f"{int(now)}.%N\n")
        if argv[1:] == ["+%s"]:
            return _ok(f"{int(now)}\n")
        return _err("date: scripted only for +%s.%N and +%s")

    def cmd_ls(self, argv, root, ns) -> Result:
        path = argv[-1]
        if not self._may(path, root, write=False):
            return _err(f"ls: {path}: Permission denied")
        if self.read(path, ns) is not None:
            return _ok(path + "\n")
        entries = self.directory(path, ns)
        if entries is None:
            return _err(f"ls: {path}: No such file or directory")
        return _ok("".join(n + "\n" for n in sorted(entries)))

    def cmd_cat(self, argv, root, ns) -> Result:
        data = self.read(argv[1], ns) if self._may(argv[1], root, False) else None
        return (data, b"", 0) if data is not None else _err(f"cat: {argv[1]}: No such file or directory")

    def cmd_od(self, argv, root, ns) -> Result:
        # od -A n -t x1 -N COUNT PATH
        data = self.read(argv[-1], ns)
        if data is None or argv[1:7] != ["-A", "n", "-t", "x1", "-N", argv[6]]:
            return _err(f"od: {argv[-1]}: No such file or directory")
        head = data[: int(argv[6])]
        return _ok(" " + " ".join(f"{b:02x}" for b in head) + "\n")

    def cmd_mkdir(self, argv, root, ns) -> Result:
        path = argv[-1]
        if not self._may(path, root, write=True):
            return _err(f"mkdir: '{path}': Permission denied")
        self.directory(path, ns, create=True)
        return _ok()

    def cmd_cp(self, argv, root, ns) -> Result:
        *sources, target = argv[1:]
        if not self._may(target, root, write=True):
            return _err(f"cp: {target}: Permission denied")
        for source in sources:
            data = self.read(source, ns)
            if data is None:
                return _err(f"cp: {source}: No such file or directory")
            dest = posixpath.join(target, posixpath.basename(source)) if self.is_dir(target, ns) else target
            self.write(dest, data, ns)
        return _ok()

    def cmd_rm(self, argv, root, ns) -> Result:
        for path in (a for a in argv[1:] if not a.startswith("-")):
            if not self._may(path, root, write=True):
                return _err(f"rm: {path}: Permission denied")
            if self.is_dir(path, ns):
                if "-rf" not in argv:
                    return _err(f"rm: {path}: is a directory")
                self.dirs.pop(posixpath.normpath(path), None)
                continue
            parent, name = posixpath.split(path)
            entries = self.directory(parent, ns)
            if entries is not None:
                entries.pop(name, None)
        return _ok()

    def cmd_chown(self, argv, root, ns) -> Result:
        return _ok() if root else _err("chown: Operation not permitted")

    cmd_chmod = cmd_chown
    cmd_chcon = cmd_chown

    def cmd_mount(self, argv, root, ns) -> Result:
        if not root:
            return _err("mount: need root")
        if argv[1:4] == ["-t", "tmpfs", "tmpfs"] and len(argv) == 5:
            self.mounts.append(Mount(ns, posixpath.normpath(argv[4]), {}, "tmpfs"))
            return _ok()
        if argv[1] == "--bind" and len(argv) == 4:
            source = self.directory(argv[2], ns)
            if source is None:
                return _err(f"mount: '{argv[2]}': No such file or directory")
            self.mounts.append(Mount(ns, posixpath.normpath(argv[3]), source, "bind"))
            return _ok()
        return _err("mount: scripted only for tmpfs and --bind")

    def cmd_umount(self, argv, root, ns) -> Result:
        if not root:
            return _err("umount: need root")
        target = posixpath.normpath(argv[-1])
        for index in range(len(self.mounts) - 1, -1, -1):
            if self.mounts[index].namespace == ns and self.mounts[index].target == target:
                del self.mounts[index]
                return _ok()
        return _err(f"umount: {target}: Invalid argument")

    def cmd_nsenter(self, argv, root, ns) -> Result:
        if not root:
            return _err("nsenter: need root")
        if len(argv) < 4 or not argv[1].startswith("--mount=/proc/") or argv[2] != "--":
            return _err("nsenter: scripted only for --mount=/proc/PID/ns/mnt -- CMD")
        pid = int(argv[1].split("/")[2])
        if pid not in self.processes:
            return _err(f"nsenter: cannot open /proc/{pid}/ns/mnt: No such file or directory")
        return self.run(shlex.join(argv[3:]), root=True, namespace=pid)

    def cmd_pidof(self, argv, root, ns) -> Result:
        pids = sorted(p for p, n in self.processes.items() if n == argv[1])
        return _ok(" ".join(map(str, pids)) + "\n") if pids else (b"", b"", 1)

    def cmd_kill(self, argv, root, ns) -> Result:
        pid = int(argv[-1])
        if pid not in self.processes:
            return _err(f"kill: {pid}: No such process")
        if self.processes[pid] == "frida-server" and not root:
            return _err(f"kill: {pid}: Operation not permitted")
        del self.processes[pid]
        return _ok()

    def cmd_pkill(self, argv, root, ns) -> Result:
        name = argv[-1]
        pids = [p for p, n in self.processes.items() if n == name]
        for pid in pids:
            del self.processes[pid]
            if pid in self._recordings:
                self._recordings[pid].set()
        return _ok() if pids else (b"", b"", 1)

    def cmd_pm(self, argv, root, ns) -> Result:
        if argv[1:3] == ["list", "packages"] and argv[3:] == ["-f", "-U", "--show-versioncode"]:
            return _ok("".join(f"package:{paths[0]}={p} versionCode:7 uid:10123\n"
                               for p, paths in sorted(self.packages.items())))
        if argv[1:3] == ["list", "packages"]:
            return _ok("".join(f"package:{p}\n" for p in sorted(self.packages)))
        if argv[1] == "path" and len(argv) == 3:
            paths = self.packages.get(argv[2])
            return _ok("".join(f"package:{p}\n" for p in paths)) if paths else (b"", b"", 1)
        return _err("pm: scripted only for list packages and path")

    def cmd_am(self, argv, root, ns) -> Result:
        if argv[1] == "force-stop" and len(argv) == 3:
            for pid in [p for p, n in self.processes.items() if n == argv[2]]:
                del self.processes[pid]
            return _ok()
        return _err("am: scripted only for force-stop")

    def cmd_echo(self, argv, root, ns) -> Result:
        return _ok(" ".join(argv[1:]) + "\n")

    # -- the screen (the scripted app in front) ------------------------------------------------------
    def _screen_file(self, argv, root, ns, what: str, data) -> Result:
        if self.app is None:
            return _err(f"ERROR: null root node returned by UiTestAutomationBridge ({what})")
        if not self._may(argv[-1], root, write=True):
            return _err(f"{what}: {argv[-1]}: Permission denied")
        self.write(argv[-1], data(), ns)
        return _ok()

    def cmd_uiautomator(self, argv, root, ns) -> Result:
        if argv[1:2] != ["dump"] or len(argv) != 3:
            return _err("uiautomator: scripted only for dump PATH")
        result = self._screen_file(argv, root, ns, "uiautomator", lambda: self.app.dump())
        return _ok(f"UI hierchary dumped to: {argv[2]}\n") if result[2] == 0 else result

    def cmd_screencap(self, argv, root, ns) -> Result:
        if argv[1:2] != ["-p"] or len(argv) != 3:
            return _err("screencap: scripted only for -p PATH")
        return self._screen_file(argv, root, ns, "screencap", lambda: self.app.png())

    def cmd_input(self, argv, root, ns) -> Result:
        if self.app is None:
            return _err("input: no window to send events to")
        if argv[1] == "tap" and len(argv) == 4:
            self.app.tap(int(argv[2]), int(argv[3]))
            if self.app.prefs:
                self.write(self.app.prefs_path, self.app.prefs_xml())
            if self.app.ump:
                self.write(self.app.ump_path, self.app.prefs_xml(self.app.ump))
            return _ok()
        if argv[1] == "text" and len(argv) == 3:
            self.app.type(argv[2])
            return _ok()
        return _err("input: scripted only for tap X Y and text TEXT")

    def cmd_run_as(self, argv, root, ns) -> Result:
        if self.app is None or argv[1] != self.app.package:
            return _err(f"run-as: unknown package: {argv[1]}")
        if not self.app.debuggable:
            return _err(f"run-as: package not debuggable: {argv[1]}")
        if argv[2:3] != ["cat"] or len(argv) != 4:
            return _err("run-as: scripted only for cat RELATIVE_PATH")
        return self.cmd_cat(["cat", posixpath.join(f"/data/data/{argv[1]}", argv[3])], True, ns)

    def spawn(self, name: str) -> int:
        with self._lock:
            self._next_pid += 1
            self.processes[self._next_pid] = name
            return self._next_pid

    def _frida_server(self, argv, root) -> Result:
        if self.read(argv[0]) is None:
            return _err(f"/system/bin/sh: {argv[0]}: inaccessible or not found", 127)
        if argv[1:] == ["--version"]:
            return _ok(f"{self.frida_version}\n")
        if argv[1:] == ["-D"]:
            if not root:
                return _err("Unable to start: Operation not permitted")
            self.spawn(posixpath.basename(argv[0]))
            return _ok()
        return _err("frida-server: scripted only for --version and -D")

    def screenrecord(self, argv: list[str], hangup: threading.Event) -> Result:
        """screenrecord --time-limit N PATH: records until the limit, SIGINT (pkill -INT screenrecord), or
        until adbd hangs up the shell because the adb connection closed (the client was killed)."""
        if len(argv) != 4 or argv[1] != "--time-limit":
            return _err("screenrecord: scripted only for --time-limit N PATH")
        pid = self.spawn("screenrecord")
        stopped = threading.Event()
        with self._lock:
            self._recordings[pid] = stopped
        started = time.monotonic()
        limit = started + float(argv[2])
        while not (stopped.is_set() or hangup.is_set()) and time.monotonic() < limit:
            stopped.wait(0.05)
        with self._lock:
            self.processes.pop(pid, None)
            self._recordings.pop(pid, None)
            seconds = time.monotonic() - started
            # an MP4-looking file whose content says what was recorded, so tests can check the pull
            self.write(argv[3], b"\x00\x00\x00\x18ftypmp42" + f"fake recording {seconds:.1f}s".encode())
        return _ok()
