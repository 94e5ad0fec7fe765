"""`auditor compare`: runs of one app version with different personas and consent choices, side by side."""
