"""Commands of the case room: case new/show, mark, seal, verify."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.expert import expert_from, load_profile, questions_from
from auditor.case.ledger_check import scan_ledger
from auditor.case.repair import repair_torn_tail
from auditor.case.seal import Verification, seal_case, verify_case
from auditor.cli_options import case_argument, case_option, controller_options, declared_controller, json_option
from auditor.declared.commands import declare_command
from auditor.errors import CheckFailed, InputError
from auditor.importers.commands import plant_command
from auditor.output import emit


@click.group("case")
def case_group() -> None:
    """Create and inspect evidence cases."""


@case_group.command("new")
@case_argument("directory")
@click.option("--operator", help="Name of the person running the audit (default: the login name).")
@click.option("--persona", type=click.Choice(["child", "teen", "adult"]), help="Test persona used on the device.")
@click.option("--scenario", help="Short description of what will be done with the app.")
@click.option("--expert", help="Name of the expert who answers the questions (the report's author).")
@click.option("--qualifications", default="", help="The expert's qualifications, as the report states them.")
@click.option("--independence", default="", help="The expert's statement of independence, printed as given.")
@click.option("--expert-profile", type=click.Path(path_type=Path, dir_okay=False),
              help="JSON file {name, qualifications, independence} instead of the three options above.")
@click.option("--question", "questions", multiple=True, help="A question posed to the expert (repeatable).")
@controller_options()
@json_option()
def case_new(directory: Path, operator: str | None, persona: str | None, scenario: str | None, expert: str | None,
             qualifications: str, independence: str, expert_profile: Path | None, questions: tuple[str, ...],
             controller: str | None, controller_source: str | None, controller_domains: tuple[str, ...],
             as_json: bool) -> None:
    """Create a new, empty case in DIRECTORY."""
    if expert_profile and (expert or qualifications or independence):
        raise InputError("--expert-profile", "give the expert either as a profile file or as options, not both")
    who = load_profile(expert_profile) if expert_profile else (
        expert_from("--expert", expert, qualifications, independence) if expert else None)
    if who is None and (qualifications or independence):
        raise InputError("--expert", "qualifications and independence need the expert's name")
    declared = declared_controller(controller, controller_source, controller_domains)
    case = Case.create(directory, operator=operator, persona=persona, scenario=scenario,
                       expert=who.as_dict() if who else None, questions=questions_from(questions),
                       controller=declared)
    emit({"case": str(case.root), "case_id": case.id}, as_json, f"created case {case.id} in {case.root}")


@case_group.command("show")
@case_argument("directory")
@json_option()
def case_show(directory: Path, as_json: bool) -> None:
    """Show a case's provenance and ledger summary."""
    case = Case.open(directory)
    scan = scan_ledger(case.ledger_path)
    data = {"case": str(case.root), "info": case.info, "sealed": case.sealed,
            "ledger": {"events": scan.intact_events, "head_seq": scan.head_seq, "head_hash": scan.head_hash,
                       "problems": scan.problem_count}}
    info = case.info
    lines = [
        f"case      {case.id}",
        f"directory {case.root}",
        f"created   {info.get('created')} by {info.get('operator', {}).get('name')} on "
        f"{info.get('host', {}).get('hostname')}",
        f"tool      auditor {info.get('tool', {}).get('version')} ({info.get('tool', {}).get('git_commit')})",
        f"persona   {info.get('persona') or '-'}; scenario: {info.get('scenario') or '-'}",
        f"ledger    {scan.intact_events} events, head seq {scan.head_seq}"
        + (f", {scan.problem_count} problem(s): run 'auditor verify'" if scan.problem_count else ""),
        f"sealed    {'yes' if case.sealed else 'no'}",
    ]
    emit(data, as_json, "\n".join(lines))


@case_group.command("repair")
@case_argument("directory")
@json_option()
def case_repair(directory: Path, as_json: bool) -> None:
    """Cut a torn last ledger line (a crash or full disk mid-write) off DIRECTORY's ledger, keeping its bytes
    as an artifact and recording the repair in the ledger."""
    repair = repair_torn_tail(Case.open(directory))
    if repair is None:
        emit({"repaired": None}, as_json, "the ledger ends intact: nothing to repair")
        return
    emit({"repaired": asdict(repair)}, as_json,
         f"cut a torn line of {repair.size} bytes at byte {repair.offset}, kept as artifact {repair.sha256}; "
         f"recorded as seq {repair.seq}")


case_group.add_command(plant_command)       # importers/commands.py: values planted for an imported capture
case_group.add_command(declare_command)     # declared/commands.py: the app's Data safety form and policy


MARK_KINDS = {"note": Kind.OPERATOR_NOTE, "consent-accepted": Kind.OPERATOR_CONSENT_ACCEPTED,
              "consent-refused": Kind.OPERATOR_CONSENT_REFUSED}


@click.command("mark")
@case_argument("directory")
@click.argument("text")
@click.option("--kind", type=click.Choice(sorted(MARK_KINDS)), default="note", show_default=True,
              help="What the moment is: a note, or the user accepting or refusing consent in the app.")
@json_option()
def mark(directory: Path, text: str, kind: str, as_json: bool) -> None:
    """Add an operator mark (a note or a consent moment) to a case's ledger."""
    case = Case.open(directory)
    with case.ledger(fsync_interval=0) as ledger:
        record = ledger.append("operator", MARK_KINDS[kind], {"text": text})
    emit({"seq": record["seq"], "hash": record["hash"], "t_wall": record["t_wall"]}, as_json,
         f"marked seq {record['seq']} at {record['t_wall']}")


@click.command("seal")
@case_argument("directory")
@click.option("--tsa", "tsa_url", metavar="URL", help="RFC 3161 timestamp authority to countersign the seal.")
@click.option("--key", "key_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Operator ed25519 key (default: created on first use in the configuration directory).")
@json_option()
def seal(directory: Path, tsa_url: str | None, key_file: Path | None, as_json: bool) -> None:
    """Seal a case: hash every file, sign with the operator's key, optionally timestamp."""
    case = Case.open(directory)
    key, created = keys.load_or_create(key_file)
    fingerprint = keys.fingerprint(key.public_key())
    if created:
        click.echo(f"created operator key {key_file or keys.config_dir() / keys.KEY_FILE}", err=True)
    result = seal_case(case, key, tsa_url)
    payload = result["payload"]
    text = [f"sealed case {case.id}: {len(payload['files'])} files, ledger head seq "
            f"{payload['ledger']['head_seq']}", f"signer {fingerprint}"]
    if result["timestamp"]:
        text.append(f"timestamp {result['timestamp']['gen_time']} from {result['timestamp']['tsa_subject']}")
    emit({"case_id": case.id, "signer": fingerprint, "files": len(payload["files"]),
          "ledger": payload["ledger"], "timestamp": result["timestamp"]}, as_json, "\n".join(text))


def describe(result: Verification) -> str:
    lines = [f"case {result.case_id or '?'} at {result.root}"]
    if result.sealed:
        lines.append(f"seal sha256 {result.seal_sha256}; signed by {result.signer} at {result.sealed_at}")
    if result.timestamp:
        lines.append(f"timestamp {result.timestamp['gen_time']} by {result.timestamp['tsa_subject']} "
                     f"({'valid' if result.timestamp['valid'] else 'INVALID'})")
    ledger = result.ledger
    if ledger:
        lines.append(f"ledger: {ledger['events']} intact events (head seq {ledger['head_seq']}, "
                     f"intact through byte {ledger['intact_bytes']} of {ledger['bytes']})")
    lines.append(f"files checked: {result.files_checked}")
    lines += [f"notice: {n}" for n in result.notices]
    if result.sealed:
        lines += [f"NOT COVERED by the seal: {rel} ({why})" for rel, why in result.derived_not_covered.items()]
    lines += [f"PROBLEM [{p.code}] {p}" for p in result.problems]
    lines.append("VERIFIED" if result.ok else f"NOT VERIFIED: {len(result.problems)} problem(s)")
    return "\n".join(lines)


@click.command("verify")
@case_argument("directory")
@click.option("--tsa-ca", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="CA certificate (PEM) the timestamp authority's certificate must be issued by.")
@click.option("--expect-signer", metavar="FINGERPRINT", help="Fail unless the seal is by this key.")
@case_option("For a report directory: the case it was made from (default: the case it lies in).")
@json_option()
def verify(directory: Path, tsa_ca: Path | None, expect_signer: str | None, case_dir: Path | None,
           as_json: bool) -> None:
    """Verify a case (ledger chain, every file against the seal, signature and timestamp), or a report
    directory (its files against its signed manifest, and its link to the case and seal it was made from)."""
    from auditor.report.manifest import is_report_directory, verify_report  # report depends on case, not back

    if is_report_directory(directory):
        report = verify_report(directory, case_dir)
        emit(report.as_dict(), as_json, report.describe())
        if not report.ok:
            raise CheckFailed(f"{directory}: {len(report.problems)} problem(s) found")
        return
    result = verify_case(directory, tsa_ca, expect_signer)
    emit(result.as_dict(), as_json, describe(result))
    if not result.ok:
        raise CheckFailed(f"{directory}: {len(result.problems)} problem(s) found")
