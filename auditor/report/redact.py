"""The disclosure copy: tester secrets and third parties' personal data masked before anything is shown.

What is masked: secret headers (Authorization, Cookie, Set-Cookie, API keys, CSRF and session tokens), secret
members in URLs, forms and JSON (token, password, secret, api_key, session, …), bearer/basic credentials, JSON
Web Tokens, and e-mail addresses and international phone numbers that are not values the auditor planted.
Planted values stay visible: they are the test's own data and the evidence itself. What pattern matching
cannot recognise (names, free text about people) is not masked; the report says so.
"""

from __future__ import annotations

import re
from collections import Counter

_SECRET_NAME = (r"(?:access[_-]?token|refresh[_-]?token|id[_-]?token|auth[_-]?token|[a-z_]*token|password|passwd|"
                r"pwd|[a-z_]*secret|api[_-]?key|apikey|session[_-]?id|sessionid|sid|session|cookie|authorization|"
                r"credentials?)")
_JSON_MEMBER = re.compile(r'("' + _SECRET_NAME + r'"\s*:\s*")((?:[^"\\]|\\.)*)(")', re.IGNORECASE)
_FORM_PAIR = re.compile(r"(?<![A-Za-z0-9_])(" + _SECRET_NAME + r"=)([^&\s\"'#]*)", re.IGNORECASE)
_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic|Digest)\s+[A-Za-z0-9._~+/=-]{6,}", re.IGNORECASE)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}")
_PHONE = re.compile(r"\+\d[\d ()-]{7,16}\d")
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
                            "x-auth-token", "x-access-token", "x-csrf-token", "x-xsrf-token", "x-session-id",
                            "x-amz-security-token"})
SECRET = "[masked: secret]"
THIRD_PARTY = "[masked: third-party personal data]"


class Redactor:
    """Masks one text at a time and remembers which distinct values it masked, by category."""

    def __init__(self, keep: set[str]):
        self.keep = {value for value in keep if value}
        self._masked: set[tuple[str, str]] = set()

    @property
    def counts(self) -> Counter[str]:
        """How many distinct values were masked, per category (a value shown in several places counts once)."""
        return Counter(category for category, _ in self._masked)

    def _mask(self, category: str, value: str) -> None:
        self._masked.add((category, value))

    def _kept(self, value: str) -> bool:
        return value in self.keep or any(value in kept for kept in self.keep)

    def header(self, name: str, value: str) -> str:
        if name.strip().lower() in SECRET_HEADERS:
            self._mask("secret_header", value)
            return SECRET
        return self.text(value)

    def text(self, text: str) -> str:
        text = _JSON_MEMBER.sub(self._secret_member, text)
        text = _FORM_PAIR.sub(self._secret_pair, text)
        text = _AUTH_SCHEME.sub(self._credential, text)
        text = _JWT.sub(self._token, text)
        text = _EMAIL.sub(self._third_party("email"), text)
        return _PHONE.sub(self._third_party("phone"), text)

    def _secret_member(self, match: re.Match[str]) -> str:
        if not match.group(2):
            return match.group(0)
        self._mask("secret_value", match.group(2))
        return match.group(1) + SECRET + match.group(3)

    def _secret_pair(self, match: re.Match[str]) -> str:
        if not match.group(2):
            return match.group(0)
        self._mask("secret_value", match.group(2))
        return match.group(1) + SECRET

    def _credential(self, match: re.Match[str]) -> str:
        self._mask("credential", match.group(0))
        return f"{match.group(1)} {SECRET}"

    def _token(self, match: re.Match[str]) -> str:
        self._mask("token", match.group(0))
        return SECRET

    def _third_party(self, category: str):  # type: ignore[no-untyped-def]
        def replace(match: re.Match[str]) -> str:
            if self._kept(match.group(0)):
                return match.group(0)
            self._mask(category, match.group(0))
            return THIRD_PARTY
        return replace
