"""mitmproxy with the proxy core auditor.capture.master keeps and none of auditor's addons: the baseline that
shows what recording itself costs (the `core` configuration of bench/capture_throughput.py)."""

from __future__ import annotations

import sys

from mitmproxy import master, options
from mitmproxy.tools import cmdline, main

from auditor.capture.master import mitmproxy_addons


class CoreMaster(master.Master):
    def __init__(self, opts: options.Options, **_ignored: object) -> None:
        super().__init__(opts, with_termlog=True)
        self.addons.add(*mitmproxy_addons())


if __name__ == "__main__":
    main.run(CoreMaster, cmdline.mitmdump, sys.argv[1:])
