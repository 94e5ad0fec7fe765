"""The privacy APIs the scanner looks for, by the framework class that declares them: the catalogue's entries
used by the static scan (auditor/catalogue/privacy_apis.json, shared with the Frida agent).

A call site is an invoke instruction whose method reference resolves (through the app's own class
hierarchy) to one of these classes and method names, any overload. An argument is seen only as an inlined
constant: ANDROID_ID is a `static final String` that javac/d8 inline, so it is found as the const-string
"android_id" (a call site named android.provider.Settings$Secure.ANDROID_ID), and Settings.Secure.getString
counts only in a method that also loads that string (the same call with "enabled_notification_listeners" is
not an identifier read). The catalogue's arg_match.inlined_constant says which APIs this applies to.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.catalogue import PRIVACY_APIS, Consumer

_STATIC = PRIVACY_APIS.apis_used_by(Consumer.STATIC)
CATEGORIES = PRIVACY_APIS.categories_used_by(Consumer.STATIC)


def descriptor(class_name: str) -> str:
    """"com.example.Foo$Bar" -> "Lcom/example/Foo$Bar;" (the form dex method references use)."""
    return f"L{class_name.replace('.', '/')};"


@dataclass(frozen=True)
class InlinedConstant:
    api: str            # the call site's name, e.g. android.provider.Settings$Secure.ANDROID_ID
    text: str           # its value, loaded as a const-string
    category: str
    guards: str         # the API (class.method) that counts only in methods loading this string


API_METHODS: dict[tuple[str, str], str] = {(descriptor(a.class_name), a.method): a.category for a in _STATIC}
API_NAMES = frozenset(name for _cls, name in API_METHODS)
INLINED_CONSTANTS = tuple(
    InlinedConstant(f"{a.class_name}.{a.arg_match.inlined_constant}", a.arg_match.contains, a.category, a.name)
    for a in _STATIC if a.arg_match is not None and a.arg_match.inlined_constant is not None)


def dotted(descriptor: str) -> str:
    """"Lcom/example/Foo$Bar;" -> "com.example.Foo$Bar" (the form stack traces and hook events use)."""
    return descriptor[1:-1].replace("/", ".") if descriptor.startswith("L") and descriptor.endswith(";") \
        else descriptor


def package_of(class_name: str) -> str:
    return class_name.rpartition(".")[0]
