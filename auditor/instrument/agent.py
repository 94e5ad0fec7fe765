"""The compiled Frida agent shipped with auditor, and how it is rebuilt from hooks/ (TypeScript).

The bundle is built by frida's own compiler (what frida-tools' `frida-compile` runs), pinned through the
frida / frida-tools versions in constraints.txt and frida-java-bridge in hooks/package-lock.json. The build is
deterministic (no source maps, no absolute paths), so a rebuild must match the shipped file byte for byte.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

AGENT_PATH = Path(__file__).resolve().parent / "agent.js"
ENTRY = "src/index.ts"


def agent_source() -> str:
    return AGENT_PATH.read_text(encoding="utf-8")


def agent_sha256() -> str:
    return hashlib.sha256(AGENT_PATH.read_bytes()).hexdigest()


class BuildFailed(Exception):
    """The TypeScript agent did not compile (type errors or a missing dependency)."""


def build_agent(project_root: Path) -> str:
    """Compile hooks/src/index.ts (with node_modules/frida-java-bridge) into one bundle, type-checked."""
    import frida

    diagnostics: list[object] = []
    compiler = frida.Compiler()
    compiler.on("diagnostics", diagnostics.append)
    try:
        bundle = compiler.build(ENTRY, project_root=str(project_root), type_check="full", source_maps="omitted",
                                compression="none")
    except frida.InvalidArgumentError as exc:
        raise BuildFailed(f"{project_root}: {exc}; diagnostics: {diagnostics}") from None
    if diagnostics:
        raise BuildFailed(f"{project_root}: {diagnostics}")
    return bundle


if __name__ == "__main__":      # rebuild the shipped bundle after editing hooks/src (npm ci in hooks/ first)
    AGENT_PATH.write_text(build_agent(Path(__file__).resolve().parents[2] / "hooks"), encoding="utf-8")
    print(f"{AGENT_PATH}: sha256 {agent_sha256()}")
