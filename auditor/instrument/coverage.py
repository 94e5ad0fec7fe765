"""Which hooks took effect in one process: the agent reports each install attempt (hook.status), and an API
counts as watched once any overload in any implementing class is hooked. What stays unwatched is a known
unknown — a report must say that calls to it could not be seen, not that there were none."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_APIS = 4096   # distinct API names kept per process: the agent's catalogue is ~50; more is a hostile agent


@dataclass
class Coverage:
    installed: dict[str, int] = field(default_factory=dict)       # api -> overloads hooked (all classes)
    not_installed: dict[str, str] = field(default_factory=dict)   # api -> the latest reason it is not hooked
    overflow: int = 0                                             # statuses dropped beyond MAX_APIS

    def add(self, status: dict[str, Any]) -> None:
        """One validated hook.status body."""
        api = status["api"]
        if api not in self.installed and api not in self.not_installed and self._size() >= MAX_APIS:
            self.overflow += 1
            return
        if status["installed"]:
            self.installed[api] = self.installed.get(api, 0) + status["overloads"]
            self.not_installed.pop(api, None)
        elif api not in self.installed:
            self.not_installed[api] = status["error"] or "not installed"

    def _size(self) -> int:
        return len(self.installed) + len(self.not_installed)

    def as_dict(self) -> dict[str, Any]:
        return {"installed": dict(sorted(self.installed.items())),
                "not_installed": dict(sorted(self.not_installed.items())), "overflow": self.overflow}
