"""Where the shipped reference-app files are: the JVM build of the app and its default test world."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _data(name: str) -> Path:
    path = Path(str(resources.files("auditor.reference") / "data" / name))
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from the auditor package (reinstall it)")
    return path


def reference_jar() -> Path:
    """The reference app as a JVM program (built by reference/build-jvm.sh, byte-for-byte reproducible)."""
    return _data("reference-app.jar")


def reference_apk() -> Path:
    """The reference app as a signed APK (built by reference/build-apk.sh, byte-for-byte reproducible)."""
    return _data("reference.apk")


def default_world() -> Path:
    """The world the reference app's host names live in (docs/world.md format)."""
    return _data("world.json")


def reference_data_safety() -> Path:
    """The reference app's Play Store Data safety declaration (docs/declared.md): it says it shares nothing."""
    return _data("data-safety.yaml")


def reference_policy() -> Path:
    """The recipients and countries the reference app's privacy policy names (docs/declared.md)."""
    return _data("privacy-policy.yaml")
