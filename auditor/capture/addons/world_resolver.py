"""Test-only: connect to the test world's loopback address for a host name instead of resolving it.

Loaded only by `auditor capture --world FILE`. The SNI and Host header stay the real-looking name; only the
address the proxy dials changes. That a test world was in force is itself recorded (`proxy.world`), so no
case captured this way can be mistaken for one captured against the real network.
"""

from __future__ import annotations

from pathlib import Path

from mitmproxy import ctx
from mitmproxy.proxy import server_hooks

from auditor.capture.addons.sink import add_case_option, case_sink
from auditor.case.events import Kind
from auditor.world import World, load_world


class WorldResolver:
    def __init__(self) -> None:
        self.world: World | None = None

    def load(self, loader) -> None:
        add_case_option(loader)
        loader.add_option("auditor_world", str, "", "test world file: host names resolve to its loopback addresses")
        loader.add_option("auditor_world_port", int, 0,
                          "test world servers' port: world hosts are dialled there instead of the requested port "
                          "(0: keep the requested port)")

    def configure(self, updated: set[str]) -> None:
        if "auditor_world" in updated:
            self.world = load_world(Path(ctx.options.auditor_world)) if ctx.options.auditor_world else None

    def running(self) -> None:
        sink = case_sink()
        if sink is not None and self.world is not None:
            sink.event(Kind.PROXY_WORLD, {"file": self.world.path.name, "sha256": self.world.sha256,
                                          "description": self.world.description, "hosts": self.world.hosts,
                                          "port": ctx.options.auditor_world_port or None})

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        if self.world is None or data.server.address is None:
            return
        host, port = data.server.address
        ip = self.world.hosts.get(str(host).lower().rstrip("."))
        if ip is not None:
            data.server.address = (ip, ctx.options.auditor_world_port or port)


addons = [WorldResolver()]
