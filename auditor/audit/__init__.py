"""The audit pipeline of `auditor audit` (and `auditor demo`): the phone, capture, hooks and static scan."""
