"""`auditor demo`: the whole pipeline on its embedded default — the reference app — without a phone."""
