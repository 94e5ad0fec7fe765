"""Who made a hooked call: the first stack frame outside the platform, mapped to an SDK by Exodus code signatures.

Analysis decides this, never the capture: a hook event records the hooked API and the Java stack as seen, and
the attribution below runs on it with the Exodus dataset's SHA-256 in inputs.json (a case from before
2026-12, whose events carry the actor the capture decided, keeps that actor only where no stack was recorded,
and says so: ActorBasis.RECORDED).

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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from auditor.contract.findings import Actor
from auditor.contract.vocabulary import ActorBasis
from auditor.datasets.registry import verified_path

EXODUS_DATASET = "exodus-trackers"

PLATFORM_PREFIXES = ("java.", "javax.", "jdk.", "sun.", "dalvik.", "libcore.", "kotlin.", "kotlinx.",
                     "android.", "androidx.", "com.android.")
GOOGLE_GLUE_PREFIXES = ("com.google.android.gms.", "com.google.mlkit.")


@dataclass(frozen=True)
class Signature:
    pattern: re.Pattern[str]
    tracker_id: int
    name: str


@lru_cache(maxsize=1)
def exodus_signatures() -> tuple[Signature, ...]:
    """Exodus code signatures (package-name regular expressions, '|'-separated), from the bundled dataset."""
    with open(verified_path(EXODUS_DATASET), encoding="utf-8") as handle:
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
        return Actor(basis=ActorBasis.STACK, frame=frame, class_name=class_name, package=package_of(class_name),
                     sdk=signature.name if signature else None,
                     exodus_id=signature.tracker_id if signature else None, first_party=first_party)
    return Actor(basis=ActorBasis.STACK, first_party=False)


def recorded_actor(recorded: Any) -> Actor | None:
    """The actor a capture from before 2026-12 decided and wrote into the event (no stack to re-derive it)."""
    if not isinstance(recorded, dict):
        return None

    def text(key: str) -> str | None:
        value = recorded.get(key)
        return value[:500] if isinstance(value, str) else None
    exodus = recorded.get("exodus_id")
    first = recorded.get("first_party")
    return Actor(basis=ActorBasis.RECORDED, frame=text("frame"), class_name=text("class"), package=text("package"),
                 sdk=text("sdk"), exodus_id=exodus if isinstance(exodus, int) and not isinstance(exodus, bool)
                 else None, first_party=first if isinstance(first, bool) else None)
