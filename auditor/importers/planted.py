"""`auditor case plant`: the values planted on the device that produced a capture made elsewhere (another
tool's honey-data run, an imported HAR), declared by the operator so analysis can look for them.

Each declaration is a ledger event (`case.planted`: the values, and the file they came from with its
SHA-256) and is merged into case.json `planted` as {what, value} items, which analysis already reads
beside the instrument room's plants. A location keeps the text it was given: its decimals are the
precision the device was given (personal.py matches two-decimal forms freely only then).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor.analyze.personal import parse_coordinates
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger
from auditor.errors import InputError

MAX_FILE = 1 << 20
MAX_VALUES = 1000
MAX_VALUE = 4096
WHAT = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class Planted:
    what: str           # clipboard, location, email, phone, device_name, contact, or another short name
    value: str


def planted(what: str, value: object, source: object) -> Planted:
    """One checked declaration; source names where it came from in an error."""
    if not isinstance(what, str) or not WHAT.match(what):
        raise InputError(source, f"{str(what)[:40]!r} is not a value name (lower-case letters, digits, _)")
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE:
        raise InputError(source, f"{what}: the value must be a non-empty text of at most {MAX_VALUE} characters")
    if what == "location" and parse_coordinates(value) is None:
        raise InputError(source, f"location {value[:60]!r} is not LAT,LON in degrees (-90..90, -180..180)")
    return Planted(what, value.strip() if what == "location" else value)


def read_file(path: Path) -> list[Planted]:
    """A YAML or JSON file: a list of {what, value}, or a mapping what -> value."""
    try:
        if path.stat().st_size > MAX_FILE:
            raise InputError(path, f"larger than {MAX_FILE} bytes")
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(path, f"not YAML or JSON ({str(exc)[:200]})") from None
    if isinstance(data, dict):
        items: list[Any] = [{"what": what, "value": value} for what, value in data.items()]
    elif isinstance(data, list):
        items = data
    else:
        raise InputError(path, "expected a list of {what, value} or a mapping of names to values")
    if len(items) > MAX_VALUES:
        raise InputError(path, f"{len(items)} values exceed the limit of {MAX_VALUES}")
    out = []
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(path, f"item {position}: not a {{what, value}} mapping")
        out.append(planted(item.get("what"), item.get("value"), f"{path}: item {position}"))
    return out


def declare(case_dir: Path, values: list[Planted], file: Path | None = None) -> list[Planted]:
    """Record the declarations in the ledger and merge them into case.json `planted`; the values added."""
    case = Case.open(case_dir)
    if not values:
        raise InputError(case_dir, "nothing to plant: give --clipboard, --location, --value or --file")
    extra: dict[str, Any] = {}
    if file is not None:
        extra["file"] = {"name": file.name, "sha256": hashlib.sha256(file.read_bytes()).hexdigest()}
    with case.ledger(fsync_interval=0) as ledger:
        return record(case, ledger, values, "operator", extra)


def record(case: Case, ledger: Ledger, values: list[Planted], declared_by: str,
           extra: dict[str, Any] | None = None) -> list[Planted]:
    """A `case.planted` event (the values not yet recorded, who declared them, `extra` facts) and case.json
    `planted` grown by them; the values added."""
    existing = case.info.get("planted")
    merged: list[Any] = [existing] if isinstance(existing, dict) else list(existing or [])
    known = {(item.get("what"), item.get("value")) for item in merged if isinstance(item, dict)}
    added = [value for value in dict.fromkeys(values) if (value.what, value.value) not in known]
    ledger.append("case", Kind.CASE_PLANTED, {"values": [asdict(value) for value in added],
                                              "declared_by": declared_by, **(extra or {})})
    case.set_section("planted", merged + [asdict(value) for value in added], ledger=ledger)
    return added
