"""Native libraries shipped in the APK: lib/<ABI>/<name>.so, hashed."""

from __future__ import annotations

import hashlib
import re

from auditor.static.container import ApkFile

_NATIVE = re.compile(r"^lib/([^/]+)/([^/]+\.so)$")


def native_libraries(apk: ApkFile) -> list[dict[str, object]]:
    found = []
    for name in sorted(apk.names()):
        match = _NATIVE.match(name)
        if match:
            data = apk.read(name)
            found.append({"name": match.group(2), "abi": match.group(1), "path": name, "size": len(data),
                          "sha256": hashlib.sha256(data).hexdigest(), "apk": apk.file_name})
    return found
