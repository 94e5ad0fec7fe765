"""Who made a hooked call: the first stack frame outside the platform, mapped to an SDK by Exodus code signatures.

"Platform" frames are code the app does not choose to ship or that only relays the call:
- the Java runtime and language support: java., javax., jdk., sun., dalvik., libcore., kotlin., kotlinx.;
- the Android framework and its support libraries: android., androidx., com.android.;
- Google Play services' client glue (com.google.android.gms., com.google.mlkit.), *unless* an Exodus signature
  names it (e.g. com.google.android.gms.ads. is Google AdMob). Play services client libraries implement
  platform-like APIs (fused location, tasks, face detection) that the app or an SDK calls; the caller is
  the one that decided to read the data, so those frames are skipped like the framework. Google code that
  Exodus lists as a tracker is reported as that tracker.
The first remaining frame is the actor. It is first party when its class is in the app's package, the SDK
Exodus names when a code signature matches (the longest matching signature wins), otherwise an unknown third
party. The agent's hooked frame itself (shown as a native method) is always skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from auditor.datasets.registry import verified_path

PLATFORM_PREFIXES = ("java.", "javax.", "jdk.", "sun.", "dalvik.", "libcore.", "kotlin.", "kotlinx.",
                     "android.", "androidx.", "com.android.")
GOOGLE_GLUE_PREFIXES = ("com.google.android.gms.", "com.google.mlkit.")


@dataclass(frozen=True)
class Signature:
    pattern: re.Pattern[str]
    tracker_id: int
    name: str


@dataclass(frozen=True)
class Actor:
    """The code that made a call, as recorded in hook.event's `actor`."""
    frame: str | None
    class_name: str | None
    package: str | None
    sdk: str | None
    exodus_id: int | None
    first_party: bool

    def as_dict(self) -> dict[str, object]:
        body = asdict(self)
        body["class"] = body.pop("class_name")
        return body


@lru_cache(maxsize=1)
def exodus_signatures() -> tuple[Signature, ...]:
    """Exodus code signatures (package-name regular expressions, '|'-separated), from the bundled dataset."""
    with open(verified_path("exodus-trackers"), encoding="utf-8") as handle:
        trackers = json.load(handle)["trackers"]
    out = []
    for tracker in trackers.values():
        for part in str(tracker.get("code_signature") or "").split("|"):
            if part:
                out.append(Signature(re.compile(part), int(tracker["id"]), str(tracker["name"])))
    # The longest (most specific) signature first: com.google.firebase.analytics. before com.google.firebase.
    return tuple(sorted(out, key=lambda s: (-len(s.pattern.pattern), s.tracker_id)))


def sdk_for(class_name: str) -> Signature | None:
    for signature in exodus_signatures():
        if signature.pattern.search(class_name):
            return signature
    return None


def frame_class(frame: str) -> tuple[str, str]:
    """'com.x.Y.method(Y.java:3)' -> ('com.x.Y', 'method'); a JDK 9+ 'module/' prefix is dropped."""
    head = frame.split("(", 1)[0].rsplit("/", 1)[-1]
    class_name, _, method = head.rpartition(".")
    return class_name, method


def is_platform_frame(frame: str) -> bool:
    return frame_class(frame)[0].startswith(PLATFORM_PREFIXES)


def package_of(class_name: str) -> str:
    return class_name.rpartition(".")[0]


def attribute(stack: list[str], hooked_class: str, method: str, app_package: str | None) -> Actor:
    """The actor of a call whose Java stack (innermost first) starts at the hooked method."""
    frames = list(stack)
    for index, frame in enumerate(frames):   # drop everything up to the hooked method's own frame
        if frame_class(frame) == (hooked_class, method):
            frames = frames[index + 1:]
            break
    for frame in frames:
        if is_platform_frame(frame):
            continue
        class_name, _ = frame_class(frame)
        signature = sdk_for(class_name)
        if class_name.startswith(GOOGLE_GLUE_PREFIXES) and signature is None:
            continue
        first_party = bool(app_package) and (class_name == app_package or
                                             class_name.startswith(f"{app_package}."))
        if first_party:
            signature = None
        return Actor(frame, class_name, package_of(class_name), signature.name if signature else None,
                     signature.tracker_id if signature else None, first_party)
    return Actor(None, None, None, None, None, False)
