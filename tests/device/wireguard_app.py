"""TEST ONLY: a stand-in for an app on a phone whose traffic goes through the WireGuard tunnel.

Spawned under the hooks by `auditor audit` in wireguard mode; it opens the tunnel from the client
configuration the audit handed over (as the phone's WireGuard app does) and sends one HTTPS POST.
argv: CONFIG CA_PEM DST_IP DST_PORT SERVER_NAME BODY
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.capture.wireguard_peer import WireGuardPeer, https_request  # noqa: E402


def main(config: str, ca: str, ip: str, port: str, server_name: str, body: str) -> None:
    peer = WireGuardPeer.from_client_config(Path(config).read_text(encoding="ascii"))
    peer.handshake()
    data = body.encode()
    response = https_request(peer, ip, int(port), server_name,
                             b"POST /collect HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (server_name.encode(), len(data), data), Path(ca))
    print(response.split(b"\r\n", 1)[0].decode("ascii", "replace"), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
