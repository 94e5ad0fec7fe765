"""WeasyPrint loads from one read of the linker cache (auditor/report/pdf_libraries.py), not from ~200 ldconfig,
gcc and ld runs; the stdlib's find_library is back as it was afterwards."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from auditor.report.pdf_libraries import linker_cache


def test_the_linker_cache_names_the_libraries_weasyprint_opens_by_their_sonames() -> None:
    cache = linker_cache()
    assert {name: cache[name] for name in ("pango-1.0", "gobject-2.0", "harfbuzz", "fontconfig")} == {
        "pango-1.0": "libpango-1.0.so.0", "gobject-2.0": "libgobject-2.0.so.0",
        "harfbuzz": "libharfbuzz.so.0", "fontconfig": "libfontconfig.so.1"}
    assert "libgobject-2.0-0" not in cache      # WeasyPrint's Windows-style first guess: not found, no subprocess


def test_weasyprint_loads_with_one_subprocess_and_leaves_find_library_alone() -> None:
    # a fresh interpreter: this one may have imported WeasyPrint already
    program = textwrap.dedent("""
        import ctypes.util, subprocess
        started = []
        popen_init = subprocess.Popen.__init__
        def counting(self, args, *rest, **options):
            started.append(args[0])
            popen_init(self, args, *rest, **options)
        subprocess.Popen.__init__ = counting
        original = ctypes.util.find_library
        from auditor.report.pdf_libraries import load_weasyprint
        weasyprint = load_weasyprint()
        assert ctypes.util.find_library is original
        print(len(started), started[0].rsplit("/", 1)[-1], weasyprint.__name__)
    """)
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["1", "ldconfig", "weasyprint"]
