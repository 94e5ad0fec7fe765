"""The evidence bundle: ledger, artifacts, case.json, seal and verification."""
