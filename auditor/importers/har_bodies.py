"""The bytes behind a HAR body: a HAR holds text, and the text must be turned back into what crossed the wire.

- `encoding: base64` (content, and postData as some tools write it): the bytes, base64-decoded;
- mitmproxy (its savehar addon and the older har_dump script) writes a body that is not mostly binary as
  text decoded with the charset it infers from Content-Type (latin-1 when there is none), and falls back
  to UTF-8 with surrogate escapes (lone surrogates \\udc80-\\udcff) when that decoding fails; both are
  reversed exactly by encoding with the same codec (mitmproxy's own inference is used, so the two agree);
- other tools follow HAR 1.2 (text transcoded to UTF-8 from the body's charset): the text is encoded back
  into the charset Content-Type names, else UTF-8;
- a form post given only as `postData.params` is rebuilt as the urlencoded body it stood for.
A body that cannot be turned into bytes is a BodyError (the entry is refused, never guessed).
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from mitmproxy.net.http.headers import infer_content_encoding, parse_content_type


class BodyError(ValueError):
    """A HAR body that does not stand for any bytes (bad base64, text not encodable, unusable params)."""


class Restored(enum.StrEnum):
    """How a body's bytes were obtained from the HAR."""
    EMPTY = "empty"
    BASE64 = "base64"
    TEXT = "text"                    # encoded with the codec named in `codec`
    SURROGATES = "surrogate-escaped"  # mitmproxy's UTF-8 fallback: lone surrogates are the raw bytes
    PARAMS = "postData.params"


@dataclass(frozen=True)
class Body:
    data: bytes
    restored: Restored
    codec: str | None = None

    def record(self) -> dict[str, str]:
        # str() of a StrEnum member is its value, without the slow descriptor behind .value (twice an entry)
        return {"restored": str(self.restored), **({"codec": self.codec} if self.codec else {})}


EMPTY = Body(b"", Restored.EMPTY)


def _base64(text: str, where: str) -> Body:
    try:
        return Body(base64.b64decode(text, validate=True), Restored.BASE64)
    except (binascii.Error, ValueError) as exc:
        raise BodyError(f"{where}: encoding is base64 but the text is not base64 ({exc})") from None


ESCAPES = re.compile("[\udc80-\udcff]")


def _codec(content_type: str, text: str, mitmproxy: bool) -> str:
    if mitmproxy:
        # the body is only looked at for an HTML meta or CSS @charset: encode it only for those
        sniffed = "html" in content_type or "text/css" in content_type
        return infer_content_encoding(content_type, text.encode("utf-8", "surrogatepass") if sniffed else b"")
    parsed = parse_content_type(content_type)
    return (parsed[2].get("charset") if parsed else None) or "utf-8"


def from_text(text: str, content_type: str, mitmproxy: bool, where: str) -> Body:
    codec = _codec(content_type, text, mitmproxy)
    try:
        return Body(text.encode(codec), Restored.TEXT, codec)
    except LookupError:
        pass                                    # an unknown charset name: HAR 1.2 says the text is UTF-8
    except UnicodeEncodeError:
        if ESCAPES.search(text):                # mitmproxy's fallback: UTF-8 with the raw bytes escaped
            try:
                return Body(text.encode("utf-8", "surrogateescape"), Restored.SURROGATES, "utf-8")
            except UnicodeEncodeError as exc:
                raise BodyError(f"{where}: text holds surrogates that stand for no bytes ({exc.reason})") from None
        if mitmproxy and codec.lower() not in ("utf-8", "utf8"):
            raise BodyError(f"{where}: text is not in the {codec} mitmproxy decoded it with") from None
    try:
        return Body(text.encode("utf-8"), Restored.TEXT, "utf-8")
    except UnicodeEncodeError as exc:
        raise BodyError(f"{where}: text holds surrogates that stand for no bytes ({exc.reason})") from None


def _params(params: list[Any], where: str) -> Body:
    pairs = []
    for position, param in enumerate(params):
        if not isinstance(param, dict) or not isinstance(param.get("name"), str) \
                or not isinstance(param.get("value", ""), str):
            raise BodyError(f"{where}.params[{position}]: not a {{name, value}} pair of strings")
        if param.get("fileName"):
            raise BodyError(f"{where}.params[{position}]: a file upload without the posted text cannot be rebuilt")
        pairs.append((param["name"], param.get("value", "")))
    return Body(urlencode(pairs).encode("ascii"), Restored.PARAMS, "application/x-www-form-urlencoded")


def post_body(post: object, content_type: str, mitmproxy: bool) -> Body:
    """request.postData as bytes: its text (base64 when it says so), else its params."""
    if post is None:
        return EMPTY
    if not isinstance(post, dict):
        raise BodyError("request.postData: not an object")
    return _message_body(post, post.get("mimeType") or content_type, mitmproxy, "request.postData",
                         post.get("params"))


def content_body(content: object, content_type: str, mitmproxy: bool) -> Body:
    """response.content as bytes."""
    if content is None:
        return EMPTY
    if not isinstance(content, dict):
        raise BodyError("response.content: not an object")
    return _message_body(content, content.get("mimeType") or content_type, mitmproxy, "response.content", None)


def _message_body(block: dict[str, Any], content_type: object, mitmproxy: bool, where: str,
                  params: object) -> Body:
    text, encoding = block.get("text"), block.get("encoding")
    if text is not None and not isinstance(text, str):
        raise BodyError(f"{where}.text: not a string")
    if not isinstance(content_type, str):
        raise BodyError(f"{where}.mimeType: not a string")
    if text:
        if encoding == "base64":
            return _base64(text, where)
        if encoding not in (None, ""):
            raise BodyError(f"{where}.encoding {str(encoding)[:40]!r}: not an encoding HAR defines")
        return from_text(text, content_type, mitmproxy, where)
    if params:
        if not isinstance(params, list):
            raise BodyError(f"{where}.params: not a list")
        return _params(params, where)
    return EMPTY


def websocket_payload(message: dict[str, Any], where: str) -> bytes:
    """A `_webSocketMessages` item's data: opcode 2 (binary) is base64, text frames are UTF-8."""
    data = message.get("data", "")
    if not isinstance(data, str):
        raise BodyError(f"{where}.data: not a string")
    if message.get("opcode") == 2:
        return _base64(data, where).data
    try:
        return data.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise BodyError(f"{where}.data: text holds surrogates that stand for no bytes ({exc.reason})") from None
