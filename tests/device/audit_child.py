"""An audit in its own process, so a test can interrupt or kill it: argv = serial, case dir, duration."""

import json
import sys
from pathlib import Path

from auditor.audit.adb_phone import AdbPhone
from auditor.audit.components import Components
from auditor.audit.run import Audit, AuditPlan

plan = AuditPlan(serial=sys.argv[1], package="com.example.privacyfixture", case_dir=Path(sys.argv[2]),
                 duration=float(sys.argv[3]))
components = Components(AdbPhone.for_plan(plan), None, None, None)
result = Audit(plan, components, lambda text: print(text, file=sys.stderr, flush=True)).run()
print(json.dumps({"reason": result.reason, "sealed": result.sealed, "problems": result.cleanup_problems}))
