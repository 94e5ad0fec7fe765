"""Tell the parent where the proxy listens, open the session in the ledger with `proxy.started`, and end
with the parent.

With `--listen-port 0` only the running proxy knows its port: it writes its listen addresses to
`auditor_listen_file` (atomically, so the parent never reads half a file) once its servers are up.
With `auditor_exit_with_parent` the proxy's stdin is a pipe from the capturing process; when it closes (that
process ended, even by SIGKILL) the proxy shuts down cleanly instead of recording on, unseen, into the case.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path

import mitmproxy
from mitmproxy import ctx

from auditor.capture.addons.sink import add_case_option, case_sink
from auditor.case.events import Kind

CA_FILE = "mitmproxy-ca-cert.pem"


def ca_path(confdir: str) -> Path:
    return Path(os.path.expanduser(confdir)) / CA_FILE


class Lifecycle:
    def load(self, loader) -> None:
        add_case_option(loader)
        loader.add_option("auditor_listen_file", str, "", "write the proxy's listen addresses (JSON) here")
        loader.add_option("auditor_exit_with_parent", bool, False,
                          "shut down when stdin closes (the capturing process has ended)")

    def running(self) -> None:
        if ctx.options.auditor_exit_with_parent:
            threading.Thread(target=_shutdown_at_eof, args=(ctx.master,), name="auditor-parent-watch",
                             daemon=True).start()
        servers = ctx.master.addons.get("proxyserver").servers
        listening = [{"mode": server.mode.full_spec, "transport": server.mode.transport_protocol,
                      "addresses": [[str(a[0]), int(a[1])] for a in server.listen_addrs]}
                     for server in servers]
        ca = ca_path(ctx.options.confdir)
        ca_digest = hashlib.sha256(ca.read_bytes()).hexdigest() if ca.is_file() else None
        body = {"listening": listening, "ca_cert_sha256": ca_digest,
                "mitmproxy_version": mitmproxy.version.VERSION, "http3": ctx.options.http3,
                "pid": os.getpid(), **_configuration(ctx.options)}
        try:
            sink = case_sink()
        except Exception as exc:        # a proxy that cannot record must not run: the parent sees it exit
            logging.error(f"auditor: cannot record into the case: {exc}")
            ctx.master.shutdown()
            return
        if sink is not None:
            sink.event(Kind.PROXY_STARTED, body)
            sink.flush()            # on the ledger before anyone is told where to connect
        if ctx.options.auditor_listen_file:
            target = Path(ctx.options.auditor_listen_file)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_text(json.dumps(body))
            os.replace(tmp, target)


def _configuration(options) -> dict[str, object]:
    """What the proxy ran with beyond mitmproxy's defaults (command line and the confdir's config.yaml), and
    options set for addons this proxy does not load, which therefore had no effect."""
    changed = {name: getattr(options, name) for name in sorted(options.keys()) if options.has_changed(name)}
    return {"options": {name: list(value) if isinstance(value, (list, tuple)) else value
                        for name, value in changed.items()},
            "options_without_effect": sorted(options.deferred)}


def _shutdown_at_eof(master) -> None:
    # the raw descriptor: a daemon thread blocked in sys.stdin's buffered reader aborts interpreter shutdown
    while os.read(0, 4096):
        pass
    master.shutdown()       # thread-safe: mitmproxy runs its done hooks, flows.mitm stays whole


addons = [Lifecycle()]
