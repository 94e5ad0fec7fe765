"""`auditor audit`: one command for a live audit, orchestrating device, capture, hooks and static scan."""
