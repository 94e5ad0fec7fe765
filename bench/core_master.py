"""mitmproxy with the proxy core auditor.capture.master keeps and none of auditor's addons: the baseline that
shows what recording itself costs (the `core` configuration of bench/capture_throughput.py)."""

from __future__ import annotations

import sys

from mitmproxy.tools import cmdline, main

from auditor.capture.master import CaptureMaster, mitmproxy_addons


class CoreMaster(CaptureMaster):
    def loaded_addons(self) -> list[object]:
        return mitmproxy_addons()


if __name__ == "__main__":
    main.run(CoreMaster, cmdline.mitmdump, sys.argv[1:])
