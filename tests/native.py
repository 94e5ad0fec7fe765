"""Native test programs (C, built here with gcc against Debian's libraries) for the Frida tests on real
processes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def build_c(tmp_path_factory: pytest.TempPathFactory, source: Path, *libraries: str) -> Path:
    """`source` compiled with warnings as errors and debug info (native stacks name its lines), linked with
    `libraries` (e.g. "-lssl", "-lcrypto")."""
    binary = tmp_path_factory.mktemp("native") / source.stem
    subprocess.run(["gcc", "-O1", "-g", "-Wall", "-Werror", "-o", str(binary), str(source), *libraries],
                   check=True, capture_output=True, text=True)
    return binary
