"""Test-only mitmproxy addon: connect to the world's loopback address for a host name instead of resolving it.

Options: world_file (WORLD.md JSON), world_port (the port all upstream servers listen on). SNI and Host stay
the real host name; only the TCP destination changes.
"""

from __future__ import annotations

import json

from mitmproxy import ctx
from mitmproxy.proxy.server_hooks import ServerConnectionHookData


class WorldResolver:
    def __init__(self) -> None:
        self.hosts: dict[str, str] = {}

    def load(self, loader) -> None:  # type: ignore[no-untyped-def]
        loader.add_option("world_file", str, "", "world JSON mapping host names to loopback addresses")
        loader.add_option("world_port", int, 0, "port of the world's upstream servers")

    def configure(self, updated: set[str]) -> None:
        if "world_file" in updated and ctx.options.world_file:
            with open(ctx.options.world_file, encoding="utf-8") as handle:
                self.hosts = json.load(handle)["hosts"]

    def server_connect(self, data: ServerConnectionHookData) -> None:
        host = data.server.address[0] if data.server.address else None
        if host in self.hosts:
            data.server.address = (self.hosts[host], ctx.options.world_port)


addons = [WorldResolver()]
