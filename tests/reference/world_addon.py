"""Test-only mitmproxy addon: connect to the world's loopback address for a host name instead of resolving it.

Options: world_file (a world file, docs/world.md), world_port (the port all upstream servers listen on). SNI and
Host stay the real host name; only the TCP destination changes.
"""

from __future__ import annotations

from pathlib import Path

from mitmproxy import ctx
from mitmproxy.proxy.server_hooks import ServerConnectionHookData

from auditor.world import load_world


class WorldResolver:
    def __init__(self) -> None:
        self.hosts: dict[str, str] = {}

    def load(self, loader) -> None:  # type: ignore[no-untyped-def]
        loader.add_option("world_file", str, "", "world JSON mapping host names to loopback addresses")
        loader.add_option("world_port", int, 0, "port of the world's upstream servers")

    def configure(self, updated: set[str]) -> None:
        if "world_file" in updated and ctx.options.world_file:
            self.hosts = load_world(Path(ctx.options.world_file)).hosts

    def server_connect(self, data: ServerConnectionHookData) -> None:
        host = data.server.address[0] if data.server.address else None
        if host in self.hosts:
            data.server.address = (self.hosts[host], ctx.options.world_port)


addons = [WorldResolver()]
