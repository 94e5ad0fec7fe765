"""The proxy process of a capture: mitmproxy's own main loop, with only the addons an evidence capture needs.

mitmdump loads some thirty addons — replay, header/body/cookie rewriting, the onboarding site, its flow
printer, `-s` scripts — and offers every hook of every flow to each of them. A capture uses none, several
could only alter the traffic it exists to record (a `config.yaml` in the confdir turning on `anticache`, say),
and the dispatch alone costs about a quarter of mitmdump's time per request (bench/capture_throughput.py).
This master keeps mitmproxy's proxy core (servers, layers, TLS, DNS, the startup error check, its log) and
adds auditor's addons directly. Each of them still loads on its own with `mitmdump -s FILE`.

Run as `python -m auditor.capture.master [mitmdump's command-line options]` (auditor.capture.proxy does).
"""

from __future__ import annotations

import asyncio
import sys
import time

from mitmproxy import master, options
from mitmproxy.addons import (
    block,
    core,
    disable_h2c,
    dns_resolver,
    errorcheck,
    next_layer,
    proxyserver,
    strip_dns_https_records,
    tlsconfig,
)
from mitmproxy.tools import cmdline, main

from auditor.capture.addons import bodies, completeness, lifecycle, recorder, world_resolver

DRAIN_S = 1.0       # at shutdown, how long connections still closing get to finish


def mitmproxy_addons() -> list[object]:
    """What mitmdump runs that a capture needs, in mitmdump's order."""
    return [core.Core(), block.Block(), strip_dns_https_records.StripDnsHttpsRecords(), disable_h2c.DisableH2C(),
            proxyserver.Proxyserver(), dns_resolver.DnsResolver(), next_layer.NextLayer(), tlsconfig.TlsConfig(),
            errorcheck.ErrorCheck()]


def auditor_addons() -> list[object]:
    """In the order they must run: bodies before the recorder reads what it leaves on the flow."""
    return [*lifecycle.addons, *bodies.addons, *recorder.addons, *completeness.addons, *world_resolver.addons]


class CaptureMaster(master.Master):
    def __init__(self, opts: options.Options, **_ignored: object) -> None:
        super().__init__(opts, with_termlog=True)       # the log is evidence: proxy.stopped stores it
        self.addons.add(*self.loaded_addons())

    def loaded_addons(self) -> list[object]:
        return [*mitmproxy_addons(), *auditor_addons()]

    async def done(self) -> None:
        # A connection whose client has just left is still closing its server side. Left to the loop's
        # teardown it is cancelled mid-close and asyncio prints a traceback into the log, which is evidence.
        server = self.addons.get("proxyserver")
        deadline = time.monotonic() + DRAIN_S
        while server.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await super().done()


if __name__ == "__main__":
    main.run(CaptureMaster, cmdline.mitmdump, sys.argv[1:])
