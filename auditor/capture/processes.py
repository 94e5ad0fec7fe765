"""Ending the capture's helper processes (the proxy, dumpcap): a signal that lets them finish their files, then
SIGKILL if they have not ended within the timeout."""

from __future__ import annotations

import signal
import subprocess


def end_process(process: subprocess.Popen, sig: signal.Signals, timeout: float) -> None:
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
