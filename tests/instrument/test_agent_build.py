"""The shipped agent is exactly what hooks/ compiles to (rebuilt with the pinned toolchain)."""

from pathlib import Path

import pytest

from auditor.instrument.agent import AGENT_PATH, BuildFailed, build_agent

HOOKS = Path(__file__).resolve().parents[2] / "hooks"


def test_rebuilt_agent_matches_the_shipped_bundle_byte_for_byte():
    assert (HOOKS / "node_modules" / "frida-java-bridge").is_dir(), "run scripts/install.sh --test (npm ci)"
    rebuilt = build_agent(HOOKS).encode("utf-8")
    shipped = AGENT_PATH.read_bytes()
    assert len(rebuilt) == len(shipped)
    assert rebuilt == shipped
    assert b"/work/" not in shipped and b"sourceMappingURL" not in shipped   # nothing machine-specific


def test_a_type_error_fails_the_build(tmp_path):
    project = tmp_path / "hooks"
    project.mkdir()
    (project / "src").mkdir()
    (project / "src" / "index.ts").write_text('const n: number = "not a number";\nsend(n);\n')
    (project / "tsconfig.json").write_text((HOOKS / "tsconfig.json").read_text())
    with pytest.raises(BuildFailed, match="TS2322|not assignable"):
        build_agent(project)
