"""Peak memory of a command run in a process of its own, measured from the process itself.

`ru_maxrss` of a child (getrusage, wait4) is no good here: Linux carries the parent's high-water mark into a
forked child across exec, so a child of a pytest that has grown to 600 MB reports 600 MB whatever it did. VmHWM
in /proc/self/status is the high-water mark of the process's own memory since exec; the wrapper writes it when
the command ends, however it ends.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

WRAPPER = """
import os, runpy, sys
def high_water_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
try:
    sys.argv = sys.argv[1:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
finally:
    with open(os.environ["AUDITOR_TEST_PEAK_FILE"], "w") as out:
        out.write(str(high_water_kib()))
"""


def measured_argv(module: str, *args: str) -> tuple[list[str], dict[str, str], Path]:
    """argv and environment that run `python -m module args…` and leave its peak (KiB) in the returned file."""
    handle, name = tempfile.mkstemp(prefix="peak-", suffix=".kib")
    os.close(handle)
    return [sys.executable, "-c", WRAPPER, module, *args], {**os.environ, "AUDITOR_TEST_PEAK_FILE": name}, Path(name)


def peak_bytes(path: Path) -> int:
    try:
        return int(path.read_text() or 0) * 1024
    finally:
        path.unlink(missing_ok=True)
