"""A fake adb *server* on loopback: the adb smart-socket protocol in front of scripted phones.

Requests are 4 hex digits of length + payload; replies OKAY, or FAIL + 4-hex length + message. After a
transport switch (host:transport:S, host:tport:serial:S, ...) the same socket talks to the phone: shell v1
and v2, and the sync protocol (STAT, LIST, SEND, RECV). It answers adbutils and Debian's `adb` CLI
(client 1.0.41, which insists on server version 41). Every host request is kept in `requests`.
"""

from __future__ import annotations

import select
import socket
import socketserver
import struct
import threading

from phone import Phone

SERVER_VERSION = 41
FEATURES = "shell_v2,cmd,fixed_push_mkdir,apex"
SYNC_CHUNK = 64 * 1024
S_IFREG, S_IFDIR = 0o100000, 0o040000


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def _recv(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.request.recv(size - len(data))
            if not chunk:
                raise ConnectionError("client closed")
            data += chunk
        return data

    def _okay(self, payload: bytes | None = None) -> None:
        self.request.sendall(b"OKAY" + (b"" if payload is None else b"%04x" % len(payload) + payload))

    def _fail(self, message: str) -> None:
        data = message.encode()
        self.request.sendall(b"FAIL" + b"%04x" % len(data) + data)

    def handle(self) -> None:
        fake = self.server.fake
        try:
            request = self._recv(int(self._recv(4), 16)).decode()
            fake.requests.append(request)
            phone = self._host(request)
            if phone is None:
                return
            # after a transport switch the same socket carries one device service
            service = self._recv(int(self._recv(4), 16)).decode()
            fake.requests.append(f"{phone.serial}:{service}")
            self._device(phone, service)
        except (ConnectionError, ValueError, OSError):
            return

    def _host(self, request: str) -> Phone | None:
        """Answer a host request. Returns the phone after a transport switch, else None (socket done)."""
        fake = self.server.fake
        if request == "host:version":
            self._okay(b"%04x" % SERVER_VERSION)
            return None
        if request == "host:kill":
            self._okay()
            return None
        if request in ("host:devices", "host:devices-l"):
            long = request.endswith("-l")
            lines = []
            for index, phone in enumerate(fake.phones):
                state = "device" if phone.online else "offline"
                extra = (f" product:{phone.props.get('ro.product.name', '')} model:"
                         f"{phone.props.get('ro.product.model', '').replace(' ', '_')} transport_id:{index + 1}")
                lines.append(f"{phone.serial}\t{state}{extra if long else ''}\n")
            self._okay("".join(lines).encode())
            return None
        if request.startswith("host-serial:") or request.startswith("host:"):
            serial, query = self._split_query(request)
            if query in ("features", "get-state", "get-serialno"):
                phone = self._find(serial)
                if phone is None:
                    return None
                self._okay({"features": FEATURES, "get-state": "device",
                            "get-serialno": phone.serial}[query].encode())
                return None
        for prefix in ("host:transport:", "host:tport:serial:"):
            if request.startswith(prefix):
                phone = self._find(request[len(prefix):])
                break
        else:
            if request in ("host:transport-any", "host:tport:any"):
                phone = self._find(None)
            else:
                self._fail(f"unknown host service '{request}'")
                return None
        if phone is None:
            return None
        self.request.sendall(b"OKAY")
        if request.startswith("host:tport:"):
            self.request.sendall(struct.pack("<Q", fake.phones.index(phone) + 1))
        return phone

    @staticmethod
    def _split_query(request: str) -> tuple[str | None, str]:
        if request.startswith("host-serial:"):
            serial, _, query = request[len("host-serial:"):].rpartition(":")
            return serial, query
        return None, request[len("host:"):]

    def _find(self, serial: str | None) -> Phone | None:
        phones = self.server.fake.phones
        if serial is None:
            if len(phones) != 1:
                self._fail("more than one device/emulator" if phones else "no devices/emulators found")
                return None
            found = phones[0]
        else:
            found = next((p for p in phones if p.serial == serial), None)
            if found is None:
                self._fail(f"device '{serial}' not found")
                return None
        if not found.online:
            self._fail("device offline")
            return None
        return found

    def _device(self, phone: Phone, service: str) -> None:
        if service.startswith("shell,"):          # shell,v2[,TERM=..][,raw]:COMMAND
            out, err, rc = self._run_watching_hangup(phone, service.split(":", 1)[1])
            self.request.sendall(b"OKAY")
            for stream, data in ((1, out), (2, err)):
                if data:
                    self.request.sendall(struct.pack("<BI", stream, len(data)) + data)
            self.request.sendall(struct.pack("<BI", 3, 1) + bytes([rc & 0xFF]))
        elif service.startswith("shell:") or service.startswith("exec:"):
            command = service.split(":", 1)[1]
            self.request.sendall(b"OKAY")
            # adbutils' v1 shell appends '; echo X4EXIT:$?': run the command, then answer the echo
            marker = "; echo X4EXIT:$?"
            if command.endswith(marker):
                out, err, rc = phone.run(command[: -len(marker)])
                self.request.sendall(err + out + f"X4EXIT:{rc}\n".encode())
            else:
                out, err, _ = phone.run(command)
                self.request.sendall(err + out)
        elif service.startswith("reverse:forward:"):
            remote = service.split(":", 2)[2].removeprefix("norebind:").split(";")[0]
            phone.reverses.add(remote)
            self.request.sendall(b"OKAY" + b"OKAY")
        elif service.startswith("reverse:killforward:"):
            remote = service[len("reverse:killforward:"):]
            if remote in phone.reverses:
                phone.reverses.discard(remote)
                self.request.sendall(b"OKAY" + b"OKAY")
            else:
                self.request.sendall(b"OKAY")
                self._fail(f"listener '{remote}' not found")
        elif service == "sync:":
            self.request.sendall(b"OKAY")
            self._sync(phone)
        else:
            self._fail("closed")

    def _run_watching_hangup(self, phone: Phone, command: str) -> tuple[bytes, bytes, int]:
        """Run a shell command; if the client's socket closes meanwhile, hang the command up as adbd does."""
        hangup = threading.Event()
        outcome: list[tuple[bytes, bytes, int]] = []
        worker = threading.Thread(target=lambda: outcome.append(phone.run(command, hangup=hangup)), daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.05)
            readable, _, _ = select.select([self.request], [], [], 0)
            if readable and not self.request.recv(1, socket.MSG_PEEK):
                hangup.set()
        return outcome[0]

    def _sync(self, phone: Phone) -> None:
        while True:
            header = self._recv(8)
            command, length = header[:4], struct.unpack("<I", header[4:])[0]
            if command == b"QUIT":
                return
            path = self._recv(length).decode()
            if command == b"STAT":
                data = phone.read(path)
                mode, size = ((S_IFREG | 0o644, len(data)) if data is not None
                              else (S_IFDIR | 0o755, 4096) if phone.is_dir(path) else (0, 0))
                self.request.sendall(b"STAT" + struct.pack("<III", mode, size, 1_700_000_000 if mode else 0))
            elif command == b"LIST":
                for name, data in sorted((phone.directory(path) or {}).items()):
                    raw = name.encode()
                    self.request.sendall(b"DENT" + struct.pack("<IIII", S_IFREG | 0o644, len(data),
                                                               1_700_000_000, len(raw)) + raw)
                self.request.sendall(b"DONE" + bytes(16))
            elif command == b"SEND":
                target = path.rsplit(",", 1)[0]
                body = bytearray()
                while True:
                    head = self._recv(8)
                    kind, size = head[:4], struct.unpack("<I", head[4:])[0]
                    if kind == b"DONE":
                        break
                    body += self._recv(size)
                if phone._may(target, root=False, write=True):
                    phone.write(target, bytes(body))
                    self.request.sendall(b"OKAY" + bytes(4))
                else:
                    message = f"remote couldn't create file: Permission denied ({target})".encode()
                    self.request.sendall(b"FAIL" + struct.pack("<I", len(message)) + message)
            elif command == b"RECV":
                data = phone.read(path) if phone._may(path, root=False, write=False) else None
                if data is None:
                    message = b"No such file or directory"
                    self.request.sendall(b"FAIL" + struct.pack("<I", len(message)) + message)
                    continue
                for start in range(0, len(data), SYNC_CHUNK):
                    chunk = data[start:start + SYNC_CHUNK]
                    self.request.sendall(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
                self.request.sendall(b"DONE" + bytes(4))
            else:
                message = b"unsupported sync command"
                self.request.sendall(b"FAIL" + struct.pack("<I", len(message)) + message)
                return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeAdbServer


class FakeAdbServer:
    """`with FakeAdbServer([phone, ...]) as server:` listens on 127.0.0.1:<server.port>."""

    def __init__(self, phones: list[Phone]):
        self.phones = phones
        self.requests: list[str] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> FakeAdbServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
