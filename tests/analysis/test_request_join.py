"""Per-request attribution: each request on a keep-alive connection carries the stack of the code that sent
it, joined to its flow by connection and order; without a request event only the opener is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from auditor.analyze.observations import read_context
from auditor.case.bundle import Case
from tests.analysis.builders import add_flow

PORT = 50123
WRITE = "sun.security.ssl.SSLSocketImpl$AppOutputStream.write([B, int, int)"
AF_STACK = [WRITE, "sun.net.www.http.HttpClient.writeRequests(HttpClient.java:1)",
            "com.appsflyer.AppsFlyerLib.send(AppsFlyerLib.java:68)"]
BD_STACK = [WRITE, "sun.net.www.http.HttpClient.writeRequests(HttpClient.java:1)",
            "com.bytedance.sdk.LogSender.post(LogSender.java:44)"]
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def stamp(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def hook(ledger, category: str, stack: list[str], seconds: float, **extra) -> int:
    socket = {"local_ip": "127.0.0.1", "local_port": PORT, "remote_ip": "127.0.0.1", "remote_port": 8080}
    return ledger.append("hook", "hook.event", {
        "api": stack[0].partition("(")[0], "category": category, "args": [], "result": None, "stack": stack,
        "thread": "main", "time": stamp(seconds), "pid": 1, "planted": None, "socket": socket, **extra})["seq"]


def pooled_case(root: Path, with_requests: bool) -> tuple[Case, dict[str, int]]:
    """AppsFlyer opens the connection and sends first; the ByteDance SDK reuses it (HTTP keep-alive)."""
    case = Case.create(root, operator="test")
    seqs: dict[str, int] = {}
    with case.ledger(fsync_interval=0) as ledger:
        seqs["open"] = hook(ledger, "socket", ["java.net.Socket.connect(Socket.java:1)"] + AF_STACK[2:], 0)
        if with_requests:
            seqs["af_request"] = hook(ledger, "request", AF_STACK, 0.1,
                                      request_line="POST /api/v6.9/androidevent HTTP/1.1")
            # a request that never reached the proxy: it must not shift the next one
            hook(ledger, "request", BD_STACK, 0.2, request_line="GET /lost HTTP/1.1")
            seqs["bd_request"] = hook(ledger, "request", BD_STACK, 0.3, request_line="POST /service/2/log/ HTTP/1.1")
        seqs["af_flow"] = add_flow(case, ledger, "https://shared.example/api/v6.9/androidevent", b"{}",
                                   client_port=PORT, start=stamp(0.15), flow_id="af")
        seqs["bd_flow"] = add_flow(case, ledger, "https://shared.example/service/2/log/", b"{}",
                                   client_port=PORT, start=stamp(0.35), flow_id="bd")
    return case, seqs


def test_two_sdks_on_one_keep_alive_connection_each_have_their_own_stack(tmp_path: Path) -> None:
    case, seqs = pooled_case(tmp_path / "case", with_requests=True)
    actors = read_context(case).flow_actor
    assert {name: (actors[seqs[name]].basis.value, actors[seqs[name]].class_name, actors[seqs[name]].sdk,
                   actors[seqs[name]].hook_seq) for name in ("af_flow", "bd_flow")} == {
        "af_flow": ("stack", "com.appsflyer.AppsFlyerLib", "AppsFlyer", seqs["af_request"]),
        "bd_flow": ("stack", "com.bytedance.sdk.LogSender", "Pangle", seqs["bd_request"])}


def test_without_request_events_the_opener_is_named_as_opener_only(tmp_path: Path) -> None:
    case, seqs = pooled_case(tmp_path / "case", with_requests=False)
    actors = read_context(case).flow_actor
    assert {name: (actors[seqs[name]].basis.value, actors[seqs[name]].sdk, actors[seqs[name]].hook_seq)
            for name in ("af_flow", "bd_flow")} == {
        "af_flow": ("connection", "AppsFlyer", seqs["open"]), "bd_flow": ("connection", "AppsFlyer", seqs["open"])}


CALL = "jdk.internal.net.http.HttpClientImpl.sendAsync(java.net.http.HttpRequest, ...)"


def call_event(ledger, sdk: str, line: str, seconds: float) -> int:
    """An http_call hook event: the client library's sendAsync called from `sdk`'s send method."""
    return ledger.append("hook", "hook.event", {
        "api": CALL.partition("(")[0], "category": "http_call", "args": [], "result": None,
        "stack": [CALL, f"{sdk}.send({sdk.rpartition('.')[2]}.java:9)"], "thread": "main", "time": stamp(seconds),
        "pid": 1, "planted": None, "request_line": line})["seq"]


def test_http_client_calls_join_by_method_url_and_order_and_decoys_do_not(tmp_path: Path) -> None:
    """http_call events (no socket): a flow takes the earliest call with its own method and absolute URL. The
    URL compares with the host lower-cased and the default port written; a call to another port, another
    method or another query is not this flow's."""
    case = Case.create(tmp_path / "case", operator="test")
    with case.ledger(fsync_interval=0) as ledger:
        def call(sdk: str, line: str, seconds: float) -> int:
            return call_event(ledger, sdk, line, seconds)
        first = call("com.sdk.alpha.Beacon", "POST https://API.shared.example/collect", 0.1)
        second = call("com.sdk.beta.Pixel", "POST https://api.shared.example:443/collect", 0.2)
        call("com.sdk.gamma.Decoy", "POST https://api.shared.example:8443/collect", 0.25)     # another port
        call("com.sdk.gamma.Decoy", "GET https://api.shared.example/collect", 0.26)           # another method
        call("com.sdk.gamma.Decoy", "POST https://api.shared.example/collect?x=1", 0.27)      # another query
        flows = [add_flow(case, ledger, "https://api.shared.example/collect", b"{}", client_port=0,
                          start=stamp(0.3 + n / 10), flow_id=f"f{n}") for n in range(3)]
    actors = read_context(case).flow_actor
    assert [(actors[seq].class_name, actors[seq].basis.value, actors[seq].hook_seq) if seq in actors else None
            for seq in flows] == [("com.sdk.alpha.Beacon", "stack", first), ("com.sdk.beta.Pixel", "stack", second),
                                  None]


EXECUTE = "okhttp3.RealCall.execute(Native Method)"
PROCEED = "okhttp3.internal.http.RealInterceptorChain.proceed(Native Method)"
OKIO_WRITE = [WRITE, "okio.Okio$1.write(Okio.java:79)",
              "okhttp3.internal.http1.Http1Codec.finishRequest(Http1Codec.java:179)"]


def test_okhttp_calls_join_by_the_request_leaving_the_apps_interceptors(tmp_path: Path) -> None:
    """An OkHttp call (http_call) and its request as it left the app's interceptors (http_chain, the same call
    identity): the flow the proxy saw is the rewritten request's, and takes the call's stack and what was
    changed; the call's own URL no longer stands for it. A chain event of an unknown call names nobody. The
    call wins over the TLS write on the same connection, whose stack is OkHttp's own code."""
    case = Case.create(tmp_path / "case", operator="test")
    base = "https://api.shared.example"
    with case.ledger(fsync_interval=0) as ledger:
        def okhttp(category: str, stack: list[str], line: str, seconds: float, call_id: int, **extra) -> int:
            return ledger.append("hook", "hook.event", {
                "api": stack[0].partition("(")[0], "category": category, "args": [], "result": None,
                "stack": stack, "thread": "main", "time": stamp(seconds), "pid": 1, "planted": None,
                "request_line": line, "call_id": call_id, **extra})["seq"]
        alpha = okhttp("http_call", [EXECUTE, "com.sdk.alpha.Beacon.send(Beacon.java:17)"],
                       f"POST {base}/px", 0.1, 11)
        okhttp("http_chain", [PROCEED, "okhttp3.RealCall.execute(RealCall.java:1)"], f"POST {base}/v2/px", 0.11, 11,
               rewritten=["url", "headers"])
        hook(ledger, "request", OKIO_WRITE, 0.12, request_line="POST /v2/px HTTP/1.1")
        beta = okhttp("http_call", [EXECUTE, "com.sdk.beta.Pixel.send(Pixel.java:21)"], f"POST {base}/px", 0.2, 22)
        okhttp("http_chain", [PROCEED, "okhttp3.RealCall.execute(RealCall.java:1)"], f"POST {base}/px", 0.21, 22,
               rewritten=[])
        hook(ledger, "request", OKIO_WRITE, 0.22, request_line="POST /px HTTP/1.1")
        okhttp("http_chain", [PROCEED], f"POST {base}/orphan", 0.25, 33, rewritten=[])     # no call 33
        flows = [add_flow(case, ledger, f"{base}{path}", b"{}", client_port=PORT, start=stamp(0.3 + n / 10),
                          flow_id=f"f{n}") for n, path in enumerate(["/v2/px", "/px", "/px", "/orphan"])]
    actors = read_context(case).flow_actor
    assert [(actors[seq].class_name, actors[seq].basis.value, actors[seq].hook_seq, actors[seq].request_rewritten)
            if seq in actors else None for seq in flows] == [
        ("com.sdk.alpha.Beacon", "stack", alpha, ("url", "headers")), ("com.sdk.beta.Pixel", "stack", beta, ()),
        None, None]


def test_a_socket_event_names_the_opener_within_five_seconds_and_the_last_recorded_wins_a_tie(tmp_path: Path) -> None:
    """Without request events a flow takes the latest socket event on its client port at or before its start,
    at most 5 s before it (5 s itself included); of two events at the same moment the one recorded last."""
    case = Case.create(tmp_path / "case", operator="test")
    opener = ["java.net.Socket.connect(Socket.java:1)"]
    with case.ledger(fsync_interval=0) as ledger:
        hook(ledger, "socket", opener + AF_STACK[2:], 0)
        tie = hook(ledger, "socket", opener + BD_STACK[2:], 0)
        late = hook(ledger, "socket", opener + BD_STACK[2:], 10)
        platform = hook(ledger, "socket", opener, 20)              # platform frames only: no SDK
        flows = [add_flow(case, ledger, "https://shared.example/a", b"{}", client_port=port, start=stamp(at),
                          flow_id=f"f{at}-{port}")
                 for port, at in ((PORT, 5), (PORT, 5.001), (PORT, 14), (PORT, 21), (PORT + 1, 1), (PORT, -1))]
    actors = read_context(case).flow_actor
    assert [(actors[seq].sdk, actors[seq].basis.value, actors[seq].hook_seq) if seq in actors else None
            for seq in flows] == [("Pangle", "connection", tie), None, ("Pangle", "connection", late),
                                  (None, "connection", platform), None, None]
