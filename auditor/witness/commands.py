"""CLI: `auditor witness`."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli_options import case_argument, json_option
from auditor.errors import CheckFailed
from auditor.output import emit
from auditor.witness.match import Seen
from auditor.witness.run import Outcome, witness


@click.command("witness")
@case_argument(exists=True)
@json_option("Print witness/witness.json's content as JSON.")
def witness_command(case_dir: Path, as_json: bool) -> None:
    """Check every request the proxy recorded against the captured packets (capture --pcap), decrypted with
    the case's key logs; exit 1 when a request is only in the proxy or only on the wire. Passive captures
    (capture --passive) are read for their requests and the servers' certificate chains."""
    result, out = witness(case_dir)
    lines = [f"session of proxy pid {s.proxy_pid}: " + ", ".join(f"{s.counts[seen]} {seen}" for seen in Seen)
             + f"; {s.undecrypted_tls_streams} of {s.tls_streams} TLS connections not decrypted"
             for s in result.sessions]
    for p in result.passive:
        lines.append(f"passive capture (seq {p.pcap_seq}): {len(p.requests)} requests, {len(p.server_chains)} "
                     f"server chains; {p.undecrypted_tls_streams} of {p.tls_streams} TLS connections not "
                     f"decrypted, {p.chainless_tls_streams} without a readable chain")
    if result.unwitnessed_flows:
        lines.append(f"{result.unwitnessed_flows} flows from sessions captured without --pcap: not witnessed")
    emit(result.as_json(), as_json, "\n".join([*lines, f"{result.outcome}: {out}"]))
    if result.outcome == Outcome.MISMATCH:
        raise CheckFailed(f"the wire and the proxy disagree; see {out}")
