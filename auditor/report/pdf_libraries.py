"""Loading WeasyPrint without two hundred subprocesses.

WeasyPrint opens Pango, HarfBuzz and their kin through cffi, trying several names per library (one per
platform). cffi asks `ctypes.util.find_library` about each name it cannot open as given, and on Linux that runs
`ldconfig -p`, then gcc and ld, for every such name: about 200 processes and a fifth of a second of CPU on each
report with a PDF (bench/report_demo_speed.py). While WeasyPrint loads, the question is answered from one read of
the linker cache instead. A name the cache does not know gets None where ctypes would go on to ask gcc and ld;
that only matters for a library outside the cache, and WeasyPrint's candidates include each library's exact
file name (libpango-1.0.so.0), which the dynamic loader's own search (LD_LIBRARY_PATH included) opens directly.
"""

from __future__ import annotations

import ctypes.util
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

LDCONFIG_TIMEOUT = 30.0
# `ldconfig -p` lines: "\tlibpango-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpango-1.0.so.0"
CACHE_LINE = re.compile(r"^\s+(?P<soname>lib\S+?\.so\S*)\s+\((?P<abi>[^)]*)\)")


def linker_cache() -> dict[str, str]:
    """Library name (as find_library takes it: "pango-1.0") -> its soname, for this machine's word size."""
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    try:
        listing = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=LDCONFIG_TIMEOUT,
                                 env={"LC_ALL": "C", "LANG": "C"}).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    wide = ctypes.sizeof(ctypes.c_void_p) == 8
    names: dict[str, str] = {}
    for line in listing.splitlines():
        match = CACHE_LINE.match(line)
        if match is None or ("64" in match["abi"]) != wide:      # "libc6,x86-64", "libc6,AArch64"; "libc6"
            continue
        soname = match["soname"]
        names.setdefault(soname[3:soname.index(".so")], soname)     # the cache lists the preferred one first
    return names


@contextmanager
def _find_library_from(cache: dict[str, str]) -> Iterator[None]:
    original = ctypes.util.find_library
    ctypes.util.find_library = cache.get
    try:
        yield
    finally:
        ctypes.util.find_library = original


def load_weasyprint() -> ModuleType:
    with _find_library_from(linker_cache()):
        import weasyprint
    return weasyprint
