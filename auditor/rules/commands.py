"""CLI: `auditor rules check DIR` and `auditor rules list`."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli_options import json_option
from auditor.output import emit
from auditor.rules.schema import default_rules_dir, load_rulesets


@click.group("rules")
def rules_group() -> None:
    """Validate and list rulesets (YAML data, never executed)."""


@rules_group.command("check")
@click.argument("directory", type=click.Path(path_type=Path))
@json_option()
def check(directory: Path, as_json: bool) -> None:
    """Validate every ruleset in DIRECTORY against the schema (exit 2 naming the first problem)."""
    rulesets = load_rulesets(directory)
    data = [{**r.identity(), "file": r.path.name, "rules": len(r.rules)} for r in rulesets]
    emit(data, as_json, "\n".join(f"ok {d['file']}: {d['name']} {d['version']}, {d['rules']} rules, "
                                  f"sha256 {d['sha256']}" for d in data))


@rules_group.command("list")
@click.option("--rules", "directory", type=click.Path(path_type=Path), default=None,
              help="Directory of rulesets (default: the bundled rulesets).")
@json_option("Print the list as JSON.")
def list_rules(directory: Path | None, as_json: bool) -> None:
    """List the rules: id, version, severity, title."""
    rulesets = load_rulesets(directory or default_rules_dir())
    data = [{"ruleset": r.name, "ruleset_version": r.version, "id": rule.id, "version": rule.version,
             "severity": rule.severity, "title": rule.title["en"],
             "citations": [c.model_dump(mode="json", exclude_none=True) for c in rule.citations]}
            for r in rulesets for rule in r.rules]
    emit(data, as_json, "\n".join(f"{d['ruleset']}/{d['id']} v{d['version']} [{d['severity']}] {d['title']}"
                                  for d in data))
